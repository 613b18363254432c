"""``python -m trucesim``: the same as the ``trucesim`` command."""

import sys

from trucesim.cli import main

sys.exit(main())
