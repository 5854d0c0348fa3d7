"""Render the course's docstring style readably (autodoc).

The graded functions keep the course's docstrings, e.g.::

    Arguments:
    a_C -- tensor of dimension (1, n_H, n_C, n_W), hidden layer activations ...

    Returns:
    J_content -- scalar that you compute using equation 1 above.

Read as reStructuredText that is one paragraph. This hook turns each such section into a
definition list (``Arguments`` / ``Returns`` as a bold heading, ``name -- text`` as a term and
its description), leaving every other docstring to napoleon.
"""

import re

_SECTION = re.compile(r"^(Arguments|Argument|Returns|Return|Raises):\s*$")
_ITEM = re.compile(r"^(\S[^-]*?)\s+--\s+(.*)$")


def course_sections(lines):
    """The docstring's lines with the course's sections made into reST definition lists."""
    out, in_section = [], False
    for line in lines:
        match = _SECTION.match(line.strip())
        if match:
            out += ["", "**%s**" % match.group(1), ""]
            in_section = True
            continue
        if in_section:
            item = _ITEM.match(line.strip())
            if item:
                out += ["``%s``" % item.group(1).strip(), "    " + item.group(2)]
                continue
            if not line.strip():
                in_section = False
            elif out and out[-1].startswith("    "):
                out.append("    " + line.strip())  # a description that goes on
                continue
        out.append(line)
    return out


def _process(app, what, name, obj, options, lines):
    if any(_SECTION.match(line.strip()) for line in lines):
        lines[:] = course_sections(lines)


def setup(app):
    app.connect("autodoc-process-docstring", _process, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
