"""What the supervisor accepts from a sandbox, and how text from outside reaches the outputs.

A job (one graded function in its own sandbox) may send exactly ONE line: a JSON object
``{"observations": {...}, "seconds": s}`` or ``{"error": "...", "seconds": s}``. Anything else
(no line, two lines, not JSON, too deep, an unknown key, a wrong type, a number that is not
finite, a string or list longer than its bound) is that function's failure with a one-line
reason (:class:`Rejected`), never a crash. The accepted observations are then judged by the
supervisor (:func:`nst_course.grading.judge`), which computes every expected value itself.

:func:`escape` makes any text safe for a terminal, a CSV cell and a Markdown file: control
characters (newlines, escapes, the terminal's own codes) become visible ``\\xNN`` escapes.
"""

import json
import math
from typing import Any

#: The words of the sandbox's gram_matrix oracle when a caller hands it a matrix the check
#: did not expect (box.py raises it, judging.py names its hint): one string for both sides.
UNEXPECTED_GRAM = "gram_matrix was called with a matrix the check did not expect"

#: Bounds of the schema.
MAX_DEPTH = 12
MAX_LEAVES = 200_000
MAX_TEXT = 20_000
MAX_SHORT = 300
MAX_IMAGE_HEX = 2 * (1 << 20)

#: The keys of one probe's record (see :func:`nst_course.grading.observing.observe`) and the
#: validator of each. Helpers that add an observation field write it in the coordination notes.
_NUMBER_WORDS = ("nan", "inf", "-inf")


class Rejected(ValueError):
    """What the sandbox sent breaks the schema (the message: one line, why)."""


def escape(text: object, limit: int | None = None) -> str:
    """``text`` with control characters (and DEL, C1 controls) as ``\\xNN``/``\\uNNNN``."""
    text = str(text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "..."
    out = []
    for char in text:
        code = ord(char)
        if code < 32 or 127 <= code < 160 or code in (0x2028, 0x2029, 0x202E, 0x200E, 0x200F):
            out.append("\\x%02x" % code if code < 256 else "\\u%04x" % code)
        else:
            out.append(char)
    return "".join(out)


def submission_text(text: object, limit: int = 300) -> str:
    """Text the submission produced, as it may reach the feedback: escaped, one line, bounded,
    labelled."""
    return "(the submission's own output: %s)" % escape(" ".join(str(text).split()), limit)


def _fail(why):
    raise Rejected(why)


def _string(value, where, limit=MAX_SHORT):
    if not isinstance(value, str):
        _fail("%s is not text" % where)
    if len(value) > limit:
        _fail("%s is longer than %d characters" % (where, limit))
    return value


def _finite(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail("%s is not a number" % where)
    if not math.isfinite(value):
        _fail("%s is not a finite number" % where)
    return value


def _int(value, where, low=0, high=10**6):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _fail("%s is not a whole number from %d to %d" % (where, low, high))
    return value


def _numbers(value, where, depth=0, count=None):
    """Nested lists of finite numbers (or the words nan/inf/-inf), bounded in depth and size."""
    count = count if count is not None else [0]
    if depth > MAX_DEPTH:
        _fail("%s is nested too deeply" % where)
    if isinstance(value, list):
        for item in value:
            _numbers(item, where, depth + 1, count)
        return value
    count[0] += 1
    if count[0] > MAX_LEAVES:
        _fail("%s has more than %d numbers" % (where, MAX_LEAVES))
    if isinstance(value, str):
        if value not in _NUMBER_WORDS:
            _fail("%s holds text where a number belongs" % where)
        return value
    return _finite(value, where)


def _shape(value, where, allow_none=False):
    if not isinstance(value, list) or len(value) > 8:
        _fail("%s is not a shape" % where)
    for item in value:
        if item is None and allow_none:
            continue
        _int(item, where)
    return value


def _error(value, where):
    if not isinstance(value, dict) or set(value) - {"type", "message", "when"}:
        _fail("%s is not an error record" % where)
    return {
        "type": _string(value.get("type", ""), where + ".type", 100),
        "message": _string(value.get("message", ""), where + ".message", 1000),
        "when": _string(value.get("when", ""), where + ".when", 20),
    }


def _value(value, where):
    if isinstance(value, str):
        return _string(value, where, 300)
    return _numbers(value, where)


def _text_list(value, where, limit=2000):
    if not isinstance(value, list) or len(value) > limit:
        _fail("%s is not a list of names" % where)
    return [_string(item, where, 200) for item in value]


def _files(value, where):
    if not isinstance(value, dict) or len(value) > 64:
        _fail("%s is not a list of files" % where)
    for key, size in value.items():
        _string(key, where, 200)
        _int(size, where, 0, 1 << 40)
    return value


def _images(value, where):
    if not isinstance(value, dict) or len(value) > 64:
        _fail("%s is not a set of images" % where)
    for key, data in value.items():
        _string(key, where, 200)
        _string(data, where, MAX_IMAGE_HEX)
        try:
            bytes.fromhex(data)
        except ValueError:
            _fail("%s is not hexadecimal" % where)
    return value


RECORD = {
    "probe": lambda v, w: _string(v, w, 100),
    "type": lambda v, w: _string(v, w, 100),
    "shape": _shape,
    "static_shape": lambda v, w: _shape(v, w, allow_none=True) if v is not None else None,
    "dtype": lambda v, w: _string(v, w, 40),
    "value": _value,
    "error": _error,
    "ops": _text_list,
    "printed": lambda v, w: _string(v, w, MAX_TEXT),
    "stderr": lambda v, w: _string(v, w, MAX_TEXT),
    "costs": lambda v, w: _numbers(v, w),
    "files": _files,
    "images": _images,
}


def _defaults(value, where):
    if not isinstance(value, dict) or len(value) > 32:
        _fail("%s is not a set of default arguments" % where)
    for key, item in value.items():
        _string(key, where, 100)
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, (int, float)):
            _finite(item, where)
        else:
            _string(item, where, 300)
    return value


def observations(value: Any, name: str, probes: list) -> dict:
    """The observations of ``name`` on ``probes``, checked against the schema."""
    where = "the observations"
    if not isinstance(value, dict):
        _fail("%s are not an object" % where)
    unknown = set(value) - {"name", "placeholders", "defaults", "results"}
    if unknown:
        _fail("%s hold unknown keys (%s)" % (where, escape(", ".join(sorted(unknown)), 100)))
    if value.get("name") != name:
        _fail("%s are not about %s" % (where, name))
    placeholders = value.get("placeholders")
    if placeholders is not None:
        _int(placeholders, "placeholders", 0, 10**5)
    _defaults(value.get("defaults", {}), "defaults")
    results = value.get("results")
    if not isinstance(results, list) or len(results) != len(probes):
        _fail("%s do not hold one result per input" % where)
    for probe, record in zip(probes, results):
        label = "the result on %s" % probe["id"]
        if not isinstance(record, dict):
            _fail("%s is not an object" % label)
        unknown = set(record) - set(RECORD)
        if unknown:
            _fail("%s holds unknown keys (%s)" % (label, escape(", ".join(sorted(unknown)), 100)))
        if record.get("probe") != probe["id"]:
            _fail("%s is about another input" % label)
        for key, item in record.items():
            RECORD[key](item, "%s: %s" % (label, key))
    return value


def _reject_constant(word):
    _fail("it holds %s, which is not a JSON number" % word)


def parse(data: bytes, name: str, probes: list) -> tuple:
    """The one message of a job (bytes) -> ``(observations or None, error or None, seconds)``.
    Raises :class:`Rejected` with the reason when the message breaks the schema."""
    lines = [line for line in data.split(b"\n") if line.strip()]
    if not lines:
        _fail("the sandbox sent no result")
    if len(lines) > 1:
        _fail("the sandbox sent %d messages where one result is accepted" % len(lines))
    try:
        message = json.loads(lines[0].decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError:
        _fail("its result is nested too deeply")
    except UnicodeDecodeError:
        _fail("its result is not UTF-8 text")
    except ValueError as exc:
        if isinstance(exc, Rejected):
            raise
        _fail("its result is not JSON")
    if not isinstance(message, dict):
        _fail("its result is not an object")
    unknown = set(message) - {"observations", "error", "seconds"}
    if unknown:
        _fail("its result holds unknown keys (%s)" % escape(", ".join(sorted(unknown)), 100))
    seconds = message.get("seconds", 0.0)
    _finite(seconds, "seconds")
    if not 0 <= seconds < 10**6:
        _fail("seconds is out of range")
    if ("observations" in message) == ("error" in message):
        _fail("its result holds neither observations nor an error, or both")
    if "error" in message:
        return None, _string(message["error"], "error", 1000), float(seconds)
    return observations(message["observations"], name, probes), None, float(seconds)
