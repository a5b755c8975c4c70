"""`python -m service`: serve, keys create|list|revoke, audit TRACE_ID."""

from __future__ import annotations

import sys

from service.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
