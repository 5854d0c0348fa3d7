"""Options are defined once (RunOptions' fields) and the driver's collaborators are small
typed interfaces: the run, batch and figure parsers agree with RunOptions, progress is one
reporter, and reading an image leaves Pillow's process-wide settings alone. No TensorFlow."""

import dataclasses
import io

import numpy as np
import pytest
from PIL import Image

from nst_course._progress import Reporter
from nst_course.batch.manifest import job_fields, run_defaults
from nst_course.cli import build_parser
from nst_course.errors import ImageError
from nst_course.loading import load_image
from nst_course.run import options
from nst_course.run.options import RunOptions


def subparser(name):
    sub = [a for a in build_parser()._actions if getattr(a, "choices", None)][0]
    return sub.choices[name]


def test_the_run_parser_is_runoptions():
    args = build_parser().parse_args(["run"])
    assert RunOptions.from_values(args) == RunOptions()
    flags = {a.dest for a in subparser("run")._actions if a.option_strings} - {"help", "debug"}
    assert flags == {f.name for f in dataclasses.fields(RunOptions)}
    for f in dataclasses.fields(RunOptions):
        assert f.metadata["help"], f.name  # every option says what it does


def test_batch_takes_every_job_option_and_refuses_like_run(capsys):
    batch = subparser("batch")
    flags = {a.dest for a in batch._actions if a.option_strings}
    assert {f.name for f in job_fields()} <= flags
    assert run_defaults()["iterations"] == RunOptions().iterations
    with pytest.raises(SystemExit):
        build_parser().parse_args(["batch", "--iterations", "0"])
    assert "argument --iterations: '0' must be greater than 0" in capsys.readouterr().err


def test_figure_options_are_runoptions_with_the_figures_defaults(capsys):
    args = build_parser().parse_args(["figure", "layers"])
    assert (args.width, args.optimizer, args.content_layers[0]) == (128, "lbfgs", "conv1_2")
    for bad in (["--learning-rate", "0"], ["--learning-rate", "nan"], ["--ratios", "1,-1"]):
        kind = "tradeoff" if bad[0] == "--ratios" else "layers"
        with pytest.raises(SystemExit):
            build_parser().parse_args(["figure", kind, *bad])
        assert capsys.readouterr().err.startswith("nst-course: error: argument %s" % bad[0])


def test_a_field_is_the_whole_definition_of_an_option():
    f = next(f for f in options.fields() if f.name == "scales")
    assert options.parse_value(f, "0.5,1") == [0.5, 1.0]
    assert options.parse_value(next(f for f in options.fields() if f.name == "quiet"), "yes")
    with pytest.raises(Exception, match="at most 1"):
        options.parse_value(f, "0.5,2")


def test_one_reporter_plain_lines_in_a_log():
    out = io.StringIO()
    with Reporter(3, "panels", stream=out, initial=1, unit="panel") as report:
        report.note("1 of 3 panels reused")
        report.advance(1, "a")
        report.advance(1, "b")
    assert out.getvalue() == "1 of 3 panels reused\npanels 2/3: a\npanels 3/3: b\n"
    quiet = io.StringIO()
    with Reporter(2, "x", stream=quiet, enabled=False) as report:
        report.advance(2, "done")
    assert quiet.getvalue() == ""


def test_reading_an_image_leaves_pillows_limit_alone(tmp_path):
    before = Image.MAX_IMAGE_PIXELS
    path = tmp_path / "a.png"
    Image.fromarray(np.zeros((40, 50, 3), np.uint8)).save(path)
    assert load_image(str(path)).shape == (40, 50, 3)
    with pytest.raises(ImageError, match="above the limit of 1000"):
        load_image(str(path), max_pixels=1000)
    assert Image.MAX_IMAGE_PIXELS == before
