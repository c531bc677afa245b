"""`python -m setpass serve|purge|genkey|check`."""

import sys

from setpass.cli import main

sys.exit(main())
