"""`python -m bench run [--quick] [--out DIR]`."""

from bench.cli import main

raise SystemExit(main())
