"""`serve --reload`: restart the server when its code or configuration changes (dev only)."""

from __future__ import annotations

import importlib
import shlex
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType

from service.settings import Settings

# What a running server reads once at start and so only sees again on restart.
_WATCHED_SUFFIXES = frozenset({".py", ".yaml", ".yml", ".json"})


class ReloadUnavailable(RuntimeError):
    """Reload cannot run here; the message says why and what to do."""


def reload_refusal(settings: Settings) -> str | None:
    """Return why `--reload` is refused for these settings, or None if it may run."""
    if settings.mode != "dev":
        # Restarting on file changes drops in-flight requests and would let a
        # file write on the host change a running production server's code.
        return f"--reload is for TECHNO_MODE=dev only (the mode is {settings.mode})"
    return None


def watched_paths(settings: Settings) -> tuple[Path, ...]:
    """Return the code and the configuration files the server loads at start."""
    package = Path(__file__).resolve().parents[1]
    # The catalog model lives in obs/; the server imports it to register metrics.
    catalog_code = package.parent / "obs"
    folders = (package, catalog_code)
    files = (settings.action_matrix_path.resolve(), settings.catalog_path.resolve())
    # A file inside a watched folder is already covered; one elsewhere is watched itself.
    outside = {f for f in files if f.exists() and not any(f.is_relative_to(d) for d in folders)}
    return (*folders, *sorted(outside))


def is_watched(path: str) -> bool:
    """Return True for a change that a restart would pick up (code or YAML/JSON config)."""
    return Path(path).suffix in _WATCHED_SUFFIXES


def describe_changes(changes: Iterable[tuple[object, str]], root: Path) -> str:
    """Return the changed files, relative to `root` where possible, for one log line."""
    names = set()
    for _, raw in changes:
        path = Path(raw)
        try:
            names.add(str(path.resolve().relative_to(root)))
        except ValueError:
            names.add(str(path))
    listed = sorted(names)
    shown = ", ".join(listed[:3])
    return shown if len(listed) <= 3 else f"{shown} and {len(listed) - 3} more"


def _watchfiles() -> ModuleType:
    try:
        return importlib.import_module("watchfiles")
    except ImportError as exc:
        raise ReloadUnavailable(
            "--reload needs the watchfiles package: pip install 'techno-ops[dev]'"
        ) from exc


def say(line: str) -> None:
    """Print a reloader line at once: piped to a log, a buffered line dies with a SIGKILL."""
    print(line, flush=True)


def run_with_reload(
    settings: Settings,
    *,
    server_command: tuple[str, ...] | None = None,
    echo: Callable[[str], None] = say,
) -> int:
    """Run the server in a child process and restart it whenever a watched file changes."""
    watchfiles = _watchfiles()
    paths = watched_paths(settings)
    command = server_command or (sys.executable, "-m", "service", "serve")
    root = Path.cwd().resolve()
    echo(f"reload: watching {', '.join(str(p) for p in paths)}")

    def on_change(changes: set[tuple[object, str]]) -> None:
        echo(f"reload: {describe_changes(changes, root)} changed; restarting the server")

    # run_process owns the child: it restarts it on every change (even after the
    # child exited on a syntax error, so fixing the file brings it back) and
    # stops it with SIGINT, then SIGKILL, on Ctrl-C.
    watchfiles.run_process(
        *paths,
        target=shlex.join(command),
        target_type="command",
        callback=on_change,
        watch_filter=lambda _change, path: is_watched(path),
        debounce=400,
        sigint_timeout=5,
    )
    return 0
