"""Value parsers for the command line's options (argparse ``type=`` functions).

Shared by every subcommand (``run``, ``batch``, ``figure``, ``grade``...), so a bad value gets
the same one-line message everywhere (``'0' must be greater than 0``). Plumbing, like ``_tf``:
it imports nothing of the package, so any subpackage's command line may use it.
"""

import argparse
from typing import Any


def _int(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a whole number" % text) from None
    if value < minimum:
        raise argparse.ArgumentTypeError(
            "%r must be %s" % (text, "greater than 0" if minimum == 1 else "0 or more")
        )
    return value


def positive_int(text: str) -> int:
    return _int(text, 1)


def non_negative_int(text: str) -> int:
    return _int(text, 0)


def finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError("%r is not a finite number" % text)
    return value


def positive_float(text: str) -> float:
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("%r must be greater than 0" % text)
    return value


def non_negative_float(text: str) -> float:
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError("%r must be 0 or more" % text)
    return value


def ratio(text: str) -> float:
    value = finite_float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("%r must be between 0 and 1" % text)
    return value


def comma_list(text: str) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError("%r has an empty item" % text)
    return items


def float_list(text: str) -> list[float]:
    return [positive_float(item) for item in comma_list(text)]


def layer_weights(text: str) -> list[tuple[str, float]]:
    """Style layers as every command writes them: comma-separated names, each optionally
    with its coefficient. 'conv1_1:0.2,conv2_1:0.2' -> [('conv1_1', 0.2), ('conv2_1', 0.2)];
    names alone weigh equally, as the course's five layers do (0.2 each):
    'conv1_1,conv2_1' -> [('conv1_1', 0.5), ('conv2_1', 0.5)]."""
    items = [item.partition(":") for item in comma_list(text)]
    weighted = [bool(sep) for _, sep, _ in items]
    if any(weighted) and not all(weighted):
        raise argparse.ArgumentTypeError(
            "%r: give every style layer a weight (NAME:WEIGHT) or none (equal weights)" % text
        )
    if not any(weighted):
        return [(name.strip(), 1.0 / len(items)) for name, _, _ in items]
    return [(name.strip(), non_negative_float(weight)) for name, _, weight in items]


class CommaOrSpaceList(argparse.Action):
    """A list option written as one comma-separated value (``--style a.jpg,b.jpg``, the
    convention of every command) or, where that was accepted before, as several values
    (``--style a.jpg b.jpg``); repeated options add up."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        items = list(getattr(namespace, self.dest, None) or [])
        for value in values if isinstance(values, list) else [values]:
            try:
                items += comma_list(value)
            except argparse.ArgumentTypeError as exc:
                raise argparse.ArgumentError(self, str(exc)) from None
        setattr(namespace, self.dest, items)


def positive_int_list(text: str) -> list[int]:
    """'100,50,20' -> [100, 50, 20]; each a whole number greater than 0."""
    return [positive_int(item) for item in comma_list(text)]


def fraction_list(text: str) -> list[float]:
    """'0.5,1' -> [0.5, 1.0]; each greater than 0 and at most 1 (a fraction of a size)."""
    values = float_list(text)
    if any(v > 1 for v in values):
        raise argparse.ArgumentTypeError(
            "%r: each scale is a fraction of the output size, at most 1" % text
        )
    return values


_YES = ("1", "true", "yes", "y", "on")
_NO = ("0", "false", "no", "n", "off")


def yes_no(text: str) -> bool:
    """'yes' -> True, 'off' -> False (1/0, true/false, yes/no, y/n, on/off; any case)."""
    if text.strip().lower() in _YES:
        return True
    if text.strip().lower() in _NO:
        return False
    raise argparse.ArgumentTypeError("%r is not yes/no (1/0, true/false)" % text)
