"""Entry point for `python -m contract`."""

from contract.cli import main

raise SystemExit(main())
