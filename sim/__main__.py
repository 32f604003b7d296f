"""`python -m sim` runs the `cascade` command."""

import sys

from .cli import main

sys.exit(main())
