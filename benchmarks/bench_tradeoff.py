"""Choose the tradeoff figure's default ratios alpha/beta: where is a run content-dominated,
where style-dominated, for the course's normalisation of the costs?

For each ratio r (alpha = 10, beta = 10 / r; content conv4_2; the style layers conv1_1 ..
conv<depth>_1 with equal weights; the course's noisy start) the main job's optimisation runs
to its end and its result is scored by where it sits between the two extremes, per cost, on
a log scale::

    c(r) = log(J_content(r) / J_content(content-only)) / log(J_content(style-only) / J_content(content-only))
    s(r) = log(J_style(r) / J_style(style-only)) / log(J_style(content-only) / J_style(style-only))

c = 0: the content is as well kept as without any style; s = 0: the style is as well matched
as without any content. A ratio is "content-dominated" where c is near 0 and s near 1, and
"style-dominated" where s is near 0 and c near 1.

    python benchmarks/bench_tradeoff.py [--width 64 --height 48 --iterations 60 --depth 5]

Writes results/tradeoff.json. Run by hand (minutes); never in CI.
"""

import argparse
import json
import math
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--height", type=int, default=48)
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--optimizer", default="lbfgs")
    parser.add_argument("--weights", default="random")
    parser.add_argument("--ratios", default="1e4,1e3,1e2,1e1,1,1e-1,1e-2,1e-3,1e-4,1e-5,1e-6")
    parser.add_argument(
        "--output", default=os.path.join(ROOT, "benchmarks", "results", "tradeoff.json")
    )
    args = parser.parse_args(argv)

    from nst_course.demos.engine import train
    from nst_course.demos.figures import ALPHA, STYLE_LAYERS
    from nst_course.loading import load_image
    from nst_course.run.graph import from_arrays
    from nst_course.run.options import RunOptions
    from nst_course.weights import load_weights

    weights = load_weights(args.weights)
    content = load_image(os.path.join(ROOT, "images", "tubingen.jpg"), args.width, args.height)
    style = load_image(os.path.join(ROOT, "images", "monet.jpg"), args.width, args.height)
    prepared = from_arrays(content, [style], weights)
    layers = [(name, 1.0 / args.depth) for name in STYLE_LAYERS[: args.depth]]

    def final_costs(alpha, beta):
        opts = RunOptions(
            width=args.width,
            height=args.height,
            iterations=args.iterations,
            alpha=alpha,
            beta=beta,
            style_layers=layers,
            seed=0,
            optimizer=args.optimizer,
            print_every=args.iterations,
        )
        started = time.time()
        trained = train(opts, prepared)
        return trained.final[1], trained.final[2], time.time() - started

    c_only = final_costs(1.0, 0.0)
    s_only = final_costs(0.0, 1.0)
    print("content only: J_content %.4g, J_style %.4g" % c_only[:2], flush=True)
    print("style only:   J_content %.4g, J_style %.4g" % s_only[:2], flush=True)
    rows = []
    for text in args.ratios.split(","):
        ratio = float(text)
        jc, js, seconds = final_costs(ALPHA, ALPHA / ratio)
        c = math.log(jc / c_only[0]) / math.log(s_only[0] / c_only[0])
        s = math.log(js / s_only[1]) / math.log(c_only[1] / s_only[1])
        rows.append(
            {"ratio": ratio, "J_content": jc, "J_style": js, "c": c, "s": s, "seconds": seconds}
        )
        print(
            "alpha/beta %-8g J_content %-10.4g J_style %-10.4g c %5.2f s %5.2f (%.0f s)"
            % (ratio, jc, js, c, s, seconds),
            flush=True,
        )
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as fh:
        json.dump(
            {
                "settings": {k: v for k, v in vars(args).items() if k != "output"},
                "content_only": c_only,
                "style_only": s_only,
                "rows": rows,
            },
            fh,
            indent=1,
        )
    print("written", args.output)


if __name__ == "__main__":
    main()
