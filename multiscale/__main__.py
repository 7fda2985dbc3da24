"""``python -m multiscale``: see :mod:`multiscale.cli`."""

import sys

from .cli import main

sys.exit(main())
