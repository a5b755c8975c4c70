"""Entry point of `python -m obs`."""

from __future__ import annotations

import sys

from obs.cli import main

if __name__ == "__main__":
    sys.exit(main())
