"""``nst-course weights download`` and ``nst-course weights verify``."""


def add_parsers(sub, formatter_class):
    """Add the ``download`` and ``verify`` subcommands to ``sub``."""
    p = sub.add_parser("verify", help="check a weights file", formatter_class=formatter_class)
    p.add_argument("path", nargs="?", default=None, help="the file (default: the lookup order)")
    p.set_defaults(handler=cmd_verify)


def cmd_verify(args):
    from .weights import load_weights, validate

    weights = validate(load_weights(args.path))
    print("%s: %s, usable" % (weights.source, weights.layout))
    return 0
