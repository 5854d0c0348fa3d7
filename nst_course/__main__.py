"""``python -m nst_course`` is the ``nst-course`` command."""

import sys

from .cli import main

sys.exit(main())
