"""Parse the command line and dispatch; configuration errors exit 2 with a clear message."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from obs.catalog import CatalogError
from service.cli.audit import run_audit
from service.cli.healthcheck import run_healthcheck
from service.cli.keys import run_keys_create, run_keys_list, run_keys_revoke
from service.cli.migrate import run_migrate
from service.pipeline.matrix import MatrixError
from service.settings import Settings, SettingsError
from service.storage import StorageError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for every command."""
    parser = argparse.ArgumentParser(
        prog="python -m service",
        description="The techno-ops backend. Settings come from TECHNO_* environment variables.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument(
        "--reload",
        action="store_true",
        help="restart on code or configuration changes (TECHNO_MODE=dev only)",
    )

    keys = commands.add_parser("keys", help="create, list or revoke API keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = key_commands.add_parser("create", help="create a key and print its secret once")
    create.add_argument("--role", required=True, help="a role from the action matrix")
    create.add_argument("--name", default="", help="a label for operators (not secret)")
    create.add_argument(
        "--expires-in-days", type=int, default=None, metavar="N", help="expire after N days"
    )
    create.add_argument("--json", action="store_true", help="print one JSON object")
    listing = key_commands.add_parser("list", help="list keys (never their secrets)")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    revoke = key_commands.add_parser("revoke", help="revoke a key (refused from the next request)")
    revoke.add_argument("key_id", help="the key id, e.g. key_0123456789abcdef")

    audit = commands.add_parser("audit", help="print one request's audit events in order")
    audit.add_argument(
        "trace_id", help="the request's id (the answer's X-Request-Id) or the caller's own id"
    )
    audit.add_argument("--json", action="store_true", help="print the raw JSON lines")
    commands.add_parser(
        "migrate",
        help="create or upgrade the PostgreSQL schema of TECHNO_DATABASE_URL (serve does too)",
    )
    commands.add_parser(
        "healthcheck",
        help="exit 0 if this host's server answers GET /health (TLS when it serves TLS)",
    )
    return parser


def _serve_with_reload(settings: Settings) -> int:
    from service.cli.reload import ReloadUnavailable, reload_refusal, run_with_reload

    refusal = reload_refusal(settings)
    if refusal is not None:
        print(f"error: {refusal}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        return run_with_reload(settings)
    except ReloadUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command named on the command line and return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "serve" and args.reload:
            return _serve_with_reload(settings)
        if args.command == "serve":
            # Imported here: the server (aiohttp, the app, the executors) roughly
            # doubles start-up time, and the keys and audit commands need none of it.
            from service.cli.serve import run_serve

            return run_serve(settings)
        if args.command == "audit":
            return run_audit(settings, args.trace_id, as_json=args.json)
        if args.command == "migrate":
            return run_migrate(settings)
        if args.command == "healthcheck":
            return run_healthcheck(settings)
        if args.keys_command == "create":
            return run_keys_create(
                settings,
                role=args.role,
                name=args.name,
                expires_in_days=args.expires_in_days,
                as_json=args.json,
            )
        if args.keys_command == "list":
            return run_keys_list(settings, as_json=args.json)
        return run_keys_revoke(settings, args.key_id)
    except (SettingsError, MatrixError, CatalogError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
