"""``nst-course figure layers`` and ``nst-course figure tradeoff``: the paper's figures.

    nst-course figure layers   [--content IMG] [--style IMG] [--width W --height H]
                               [--iterations N] [--weights PATH|random] [--output PATH] ...
    nst-course figure tradeoff [the same] [--ratios R,...] [--depths D,...]

Each writes one labelled grid (PNG) and every panel as its own PNG beside it; panels already
rendered with the same settings are reused. Bad values are the main job's one-line errors.
"""

from .._values import comma_list, float_list, non_negative_int, positive_int_list
from ..loading import load_image
from ..run.options import add_option
from .figures import (
    CONTENT_LAYERS,
    DEPTHS,
    RATIOS,
    STYLE_LAYERS,
    Settings,
    layers_figure,
    tradeoff_figure,
)
from .rendering import check, render


def _list(p, flag, parse, values, letter, text):
    """A comma-separated list option, its default shown as the list it is."""
    shown = ",".join("%g" % v if isinstance(v, float) else str(v) for v in values)
    p.add_argument(
        flag,
        type=parse,
        default=list(values),
        metavar="%s[,%s...]" % (letter, letter),
        help="%s (default: %s)" % (text, shown),
    )


def _common(p, kind):
    """The options every figure has: the panels' shared RunOptions (with the figures'
    defaults, :class:`~nst_course.demos.figures.Settings`), the images, output and workers."""
    p.add_argument("--content", default="images/tubingen.jpg", help="content image")
    p.add_argument("--style", default="images/monet.jpg", help="style image")
    defaults = Settings()
    add_option(p, "width", default=defaults.width, help="panel width in pixels")
    add_option(p, "height", default=defaults.height, help="panel height in pixels")
    add_option(p, "iterations", default=defaults.iterations, help="optimisation steps per panel")
    add_option(
        p,
        "optimizer",
        default=defaults.optimizer,
        choices=("lbfgs", "adam"),
        help="the paper's L-BFGS, or the course's Adam (needs many more iterations)",
    )
    add_option(p, "learning_rate", default=defaults.learning_rate)
    add_option(
        p,
        "seed",
        default=defaults.seed,
        help="seed of the start image (the same for every panel)",
    )
    add_option(
        p,
        "weights",
        help="VGG weights file or 'random'; default: the lookup order of nst-course run",
    )
    p.add_argument(
        "--output",
        default="figures/%s.png" % kind,
        help="the grid; the panels go beside it as <name>-<panel>.png",
    )
    p.add_argument(
        "--workers",
        type=non_negative_int,
        default=None,
        help="Dask worker processes (single-threaded) for the panels, 0: all in "
        "this process (default: the batch engine's split of this machine's cores "
        "when more than one panel is left to render)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="run the panels on an existing Dask cluster",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar or lines")


def add_parser(subparsers, formatter_class, parser_class):
    """Add ``figure`` (with ``layers`` and ``tradeoff``) to the command line."""
    p = subparsers.add_parser(
        "figure",
        help="the paper's figures: what each layer keeps, content against style",
        formatter_class=formatter_class,
        description="Render Gatys et al. (2015)'s Figure 1 (layers) or Figure 3 (tradeoff) "
        "as a labelled grid, each panel an optimisation of the main job.",
    )
    sub = p.add_subparsers(dest="figure_command", metavar="FIGURE", parser_class=parser_class)
    sub.required = True

    q = sub.add_parser(
        "layers",
        formatter_class=formatter_class,
        help="Figure 1: reconstructions of the content and the style per layer",
        description="Content row: from white noise, only the content cost at "
        "each content layer. Style row: only the style cost of the first 1, 2, "
        "... style layers (equal weights).",
    )
    _common(q, "layers")
    _list(q, "--content-layers", comma_list, CONTENT_LAYERS, "NAME", "one content panel per layer")
    _list(
        q,
        "--style-layers",
        comma_list,
        STYLE_LAYERS,
        "NAME",
        "style panels use the first 1, 2, ... of these, equal weights within a panel",
    )
    q.set_defaults(handler=cmd_figure, preflight=preflight)

    q = sub.add_parser(
        "tradeoff",
        formatter_class=formatter_class,
        help="Figure 3: the ratio alpha/beta against the depth of the style layers",
        description="Columns: alpha/beta (alpha = 10, beta = 10 / ratio); rows: "
        "the first DEPTH style layers (equal weights); content conv4_2.",
    )
    _common(q, "tradeoff")
    _list(q, "--ratios", float_list, RATIOS, "R", "alpha/beta per column")
    _list(q, "--depths", positive_int_list, DEPTHS, "D", "number of style layers per row")
    _list(
        q,
        "--style-layers",
        comma_list,
        STYLE_LAYERS,
        "NAME",
        "the style layers the depths count, equal weights within a row",
    )
    add_option(q, "content_layer")
    q.set_defaults(handler=cmd_figure, preflight=preflight)
    return p


def _figure_and_settings(args):

    if args.figure_command == "layers":
        figure = layers_figure(args.content_layers, args.style_layers)
    else:
        figure = tradeoff_figure(args.ratios, args.depths, args.style_layers, args.content_layer)
    return figure, Settings.from_values(args)


def preflight(args):
    """Every check that needs no TensorFlow: the panels' options, the output, the images."""
    figure, settings = _figure_and_settings(args)
    check(figure, settings, args.output)
    for path in (args.content, args.style):
        load_image(path)


def cmd_figure(args):

    figure, settings = _figure_and_settings(args)
    result = render(
        figure,
        args.content,
        args.style,
        args.output,
        settings,
        weights=args.weights,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=not args.no_progress,
    )
    reused = sum(1 for r in result.rendered if r.reused)
    print(
        "%s: %d panels (%d reused) in %.1f s, each also as %s-<panel>.png"
        % (result.path, len(result.rendered), reused, result.seconds, result.path[:-4]),
        flush=True,
    )
    return 0
