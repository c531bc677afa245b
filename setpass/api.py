"""Compatibility with the original's `python -m setpass.api` (development server)."""

import sys

from setpass.cli import main

if __name__ == "__main__":
    sys.exit(main([*sys.argv[1:], "serve"]))
