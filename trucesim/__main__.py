"""``python -m trucesim``: the same as the ``trucesim`` command."""

import sys

from .cli import main

sys.exit(main())
