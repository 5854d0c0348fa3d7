"""``nst-course figure layers`` and ``nst-course figure tradeoff``: the paper's figures.

    nst-course figure layers   [--content IMG] [--style IMG] [--width W --height H]
                               [--iterations N] [--weights PATH|random] [--output PATH] ...
    nst-course figure tradeoff [the same] [--ratios R,...] [--depths D,...]

Each writes one labelled grid (PNG) and every panel as its own PNG beside it; panels already
rendered with the same settings are reused. Bad values are the main job's one-line errors.
"""

import argparse

from .._values import comma_list, finite_float, non_negative_int, positive_int
from .figures import CONTENT_LAYERS, DEPTHS, HEIGHT, ITERATIONS, RATIOS, STYLE_LAYERS, WIDTH

_positive_int, _non_negative_int, _names = positive_int, non_negative_int, comma_list


def _ratios(text):
    """'1e2,1,1e-2' -> [100.0, 1.0, 0.01]; each finite and greater than 0."""
    values = []
    for item in _names(text):
        value = finite_float(item)
        if value <= 0:
            raise argparse.ArgumentTypeError("%r must be greater than 0 (alpha / beta)" % item)
        values.append(value)
    return values


def _depths(text):
    return [_positive_int(item) for item in _names(text)]


def _common(p, kind):
    p.add_argument("--content", default="images/tubingen.jpg", help="content image")
    p.add_argument("--style", default="images/monet.jpg", help="style image")
    p.add_argument("--width", type=_positive_int, default=WIDTH, help="panel width in pixels")
    p.add_argument("--height", type=_positive_int, default=HEIGHT, help="panel height in pixels")
    p.add_argument(
        "--iterations", type=_positive_int, default=ITERATIONS, help="optimisation steps per panel"
    )
    p.add_argument(
        "--optimizer",
        choices=("lbfgs", "adam"),
        default="lbfgs",
        help="the paper's L-BFGS, or the course's Adam (needs many more iterations)",
    )
    p.add_argument("--learning-rate", type=float, default=2.0, help="Adam's learning rate")
    p.add_argument(
        "--seed",
        type=_non_negative_int,
        default=0,
        help="seed of the start image (the same for every panel)",
    )
    p.add_argument(
        "--weights",
        default=None,
        metavar="PATH|random",
        help="VGG weights file or 'random'; default: the lookup order of nst-course run",
    )
    p.add_argument(
        "--output",
        default="figures/%s.png" % kind,
        help="the grid; the panels go beside it as <name>-<panel>.png",
    )
    p.add_argument(
        "--workers",
        type=_non_negative_int,
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
    q.add_argument(
        "--content-layers",
        type=_names,
        default=list(CONTENT_LAYERS),
        metavar="L[,L...]",
        help="one content panel per layer (default: %s)" % ",".join(CONTENT_LAYERS),
    )
    q.add_argument(
        "--style-layers",
        type=_names,
        default=list(STYLE_LAYERS),
        metavar="L[,L...]",
        help="style panels use the first 1, 2, ... of these (default: %s)" % ",".join(STYLE_LAYERS),
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
    q.add_argument(
        "--ratios",
        type=_ratios,
        default=list(RATIOS),
        metavar="R[,R...]",
        help="alpha/beta per column (default: %s)" % ",".join("%g" % r for r in RATIOS),
    )
    q.add_argument(
        "--depths",
        type=_depths,
        default=list(DEPTHS),
        metavar="D[,D...]",
        help="number of style layers per row (default: %s)" % ",".join(str(d) for d in DEPTHS),
    )
    q.add_argument(
        "--style-layers",
        type=_names,
        default=list(STYLE_LAYERS),
        metavar="L[,L...]",
        help="the style layers the depths count (default: %s)" % ",".join(STYLE_LAYERS),
    )
    q.add_argument("--content-layer", default="conv4_2", help="layer of the content cost")
    q.set_defaults(handler=cmd_figure, preflight=preflight)
    return p


def _figure_and_settings(args):
    from .figures import Settings, layers_figure, tradeoff_figure

    if args.figure_command == "layers":
        figure = layers_figure(args.content_layers, args.style_layers)
    else:
        figure = tradeoff_figure(args.ratios, args.depths, args.style_layers, args.content_layer)
    settings = Settings(
        width=args.width,
        height=args.height,
        iterations=args.iterations,
        optimizer=args.optimizer,
        learning_rate=args.learning_rate,
        seed=args.seed,
    )
    return figure, settings


def preflight(args):
    """Every check that needs no TensorFlow: the panels' options, the output, the images."""
    from ..images import load_image
    from .figures import check

    figure, settings = _figure_and_settings(args)
    check(figure, settings, args.output)
    for path in (args.content, args.style):
        load_image(path)


def cmd_figure(args):
    from .figures import render

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
