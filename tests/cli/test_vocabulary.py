"""One vocabulary (issue 23, point 3): the same option name and list syntax for the same idea
in every command, the older forms still accepted where they were."""

import pytest

from nst_course import cli


def parse(*argv):
    return cli.build_parser().parse_args(list(argv))


def test_lists_are_comma_separated_in_every_command():
    assert parse("run", "--style", "a.jpg,b.jpg").style == ["a.jpg", "b.jpg"]
    batch = parse("batch", "--content", "p.jpg,q.jpg", "--style", "a.jpg,b.jpg")
    assert batch.content == ["p.jpg", "q.jpg"] and batch.style == ["a.jpg", "b.jpg"]
    assert parse("figure", "tradeoff", "--ratios", "1e6,1").ratios == [1e6, 1.0]


def test_batch_still_takes_the_space_separated_lists_it_took_before():
    batch = parse("batch", "--content", "p.jpg", "q.jpg,r.jpg", "--style", "a.jpg")
    assert batch.content == ["p.jpg", "q.jpg", "r.jpg"]


def test_style_layers_have_one_syntax_names_optionally_weighted():
    assert parse("run", "--style-layers", "conv1_1,conv2_1").style_layers == [
        ("conv1_1", 0.5),
        ("conv2_1", 0.5),
    ]
    assert parse("run", "--style-layers", "conv1_1:0.3").style_layers == [("conv1_1", 0.3)]
    assert parse("figure", "tradeoff", "--style-layers", "conv1_1,conv2_1").style_layers == [
        "conv1_1",
        "conv2_1",
    ]
    with pytest.raises(SystemExit):
        parse("run", "--style-layers", "conv1_1,conv2_1:0.5")  # some weighted, some not


@pytest.mark.parametrize("command", [("batch", "--content", "a.jpg"), ("grade", "class")])
def test_an_output_folder_is_output_dir_everywhere_and_out_still_works(command):
    assert parse(*command, "--output-dir", "x").out == "x"
    assert parse(*command, "--out", "y").out == "y"
