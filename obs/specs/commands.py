"""`python -m obs import openslo|sloth FILE...` and `python -m obs export openslo`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from obs.catalog import load_catalog
from obs.specs.entries import merged_text, unified_diff, write_atomically
from obs.specs.openslo_export import dump_documents, export_openslo
from obs.specs.openslo_import import import_openslo
from obs.specs.sloth_import import import_sloth


def add_commands(commands: Any) -> None:
    """Register the `import` and `export` subcommands on the obs parser."""
    parser = commands.add_parser(
        "import",
        help="turn OpenSLO v1 or Sloth prometheus/v1 SLO specs into catalog SLO entries",
    )
    parser.add_argument("format", choices=("openslo", "sloth"))
    parser.add_argument("files", type=Path, nargs="+", metavar="FILE")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--diff", action="store_true", help="print the change to the catalog; write nothing"
    )
    mode.add_argument(
        "--write", action="store_true", help="print the change to the catalog and apply it"
    )
    export = commands.add_parser("export", help="write the catalog's SLOs as OpenSLO v1")
    export.add_argument("format", choices=("openslo",))
    export.add_argument("--out", type=Path, help="file to write (default: stdout)")


def run_import(args: argparse.Namespace) -> int:
    """Print the entries (default), the catalog diff, or apply the diff with --write."""
    catalog = load_catalog(args.catalog)
    service = catalog.service.name
    entries: list[dict[str, Any]] = []
    if args.format == "openslo":
        entries = import_openslo(args.files, service)
    else:
        for path in args.files:
            entries.extend(import_sloth(path, service))
    # Merging validates the entries with the catalog's own loader even when only printing them.
    old, new = merged_text(args.catalog, entries)
    if not (args.diff or args.write):
        sys.stdout.write(yaml.safe_dump({"slos": entries}, sort_keys=False, width=96))
        return 0
    sys.stdout.write(unified_diff(args.catalog, old, new))
    if args.write:
        write_atomically(args.catalog, new)
        names = ", ".join(entry["name"] for entry in entries)
        print(f"wrote {len(entries)} SLO(s) to {args.catalog}: {names}", file=sys.stderr)
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write the catalog's SLOs as OpenSLO documents to a file or stdout."""
    text = dump_documents(export_openslo(load_catalog(args.catalog)))
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_atomically(args.out, text)
    return 0
