"""Command line: `python -m obs generate|check|import|export|calibrate`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from obs.calibrate.commands import add_calibrate, run_calibrate
from obs.catalog import DEFAULT_CATALOG_PATH, CatalogError, load_catalog
from obs.checks.run import run_checks
from obs.checks.tools import ToolMissingError
from obs.generate.artifacts import drift, render_all, write
from obs.specs.commands import add_commands, run_export, run_import

# The checkout the packaged catalog lives in: where the committed artifacts are.
DEFAULT_ROOT = DEFAULT_CATALOG_PATH.parent.parent


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m obs", description=__doc__)
    parser.add_argument(
        "--catalog",
        type=Path,
        default=DEFAULT_CATALOG_PATH,
        help="catalog file (default: obs/catalog.yaml)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser(
        "generate", help="render alerts/, dashboards/, runbooks/, deploy/"
    )
    generate.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_ROOT,
        help="tree to write into or compare with (default: the repository)",
    )
    generate.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 listing every file that drifted"
    )
    check = commands.add_parser("check", help="promtool, amtool, PromQL and dashboard checks")
    check.add_argument(
        "--root",
        type=Path,
        default=DEFAULT_ROOT,
        help="tree holding the generated artifacts (default: the repository)",
    )
    add_commands(commands)
    add_calibrate(commands)
    return parser


def _generate(catalog_path: Path, out: Path, check_only: bool) -> int:
    catalog = load_catalog(catalog_path)
    groups = render_all(catalog)
    if check_only:
        for group in groups:
            print(f"rendered {group.name}: {len(group.files)} files")
        problems = drift(groups, out)
        for problem in problems:
            print(f"DRIFT {problem}")
        print(f"drift check: {len(problems)} drifted files in {out}")
        return 1 if problems else 0
    stale = write(groups, out)
    for group in groups:
        print(f"generated {group.name}: {len(group.files)} files")
    for relative in stale:
        print(f"removed stale {relative}")
    return 0


def _check(catalog_path: Path, root: Path) -> int:
    failed = 0
    for outcome in run_checks(root, catalog_path):
        status = "FAIL" if outcome.failures else "ok"
        print(f"{status:4} {outcome.name}")
        for failure in outcome.failures:
            print("     " + failure.replace("\n", "\n     "))
        failed += bool(outcome.failures)
    print(f"{failed} check(s) failed" if failed else "all checks passed")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the obs command line and return its exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "generate":
            return _generate(args.catalog, args.out, args.check)
        if args.command == "import":
            return run_import(args)
        if args.command == "calibrate":
            return run_calibrate(args)
        if args.command == "export":
            return run_export(args)
        return _check(args.catalog, args.root)
    except CatalogError as exc:
        print(f"catalog error: {exc}", file=sys.stderr)
        return 2
    except ToolMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
