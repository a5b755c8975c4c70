"""`python -m service serve --reload`: dev-only, and an edited action matrix is live after it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import service
from service.cli.reload import describe_changes, is_watched, reload_refusal, watched_paths
from service.settings import DEFAULT_ACTION_MATRIX, Settings
from tests.service.cli.terminal import sigint_restored
from tests.service.cli.test_cli_serve import cli, free_port

ANALYZE = {"action": "analyze_text", "context_id": "default", "payload": {"text": "a b c"}}
START_SECONDS = 20.0


def test_reload_is_refused_outside_dev() -> None:
    assert reload_refusal(Settings.from_env({"TECHNO_MODE": "dev"})) is None
    refusal = reload_refusal(Settings.from_env({"TECHNO_MODE": "staging"}))
    assert refusal == "--reload is for TECHNO_MODE=dev only (the mode is staging)"


def test_watches_the_code_and_a_matrix_kept_outside_it(tmp_path: Path) -> None:
    matrix = tmp_path / "matrix.yaml"
    shutil.copy(DEFAULT_ACTION_MATRIX, matrix)
    paths = watched_paths(Settings.from_env({"TECHNO_ACTION_MATRIX": str(matrix)}))
    package = Path(service.__file__).resolve().parent
    assert package in paths
    assert matrix.resolve() in paths
    # The packaged matrix sits inside the watched package: not listed twice.
    assert DEFAULT_ACTION_MATRIX not in watched_paths(Settings.from_env({}))


def test_only_code_and_configuration_trigger_a_restart() -> None:
    assert is_watched("/x/service/pipeline.py")
    assert is_watched("/x/matrix.yaml")
    assert not is_watched("/x/var/audit.jsonl")
    assert not is_watched("/x/var/techno.db-wal")


def test_change_list_is_short_and_relative(tmp_path: Path) -> None:
    changes = {(1, str(tmp_path / f"m{i}.py")) for i in range(5)}
    assert describe_changes(changes, tmp_path) == "m0.py, m1.py, m2.py and 2 more"


def test_serve_reload_exits_2_in_production(tmp_path: Path) -> None:
    env = {**os.environ, "TECHNO_MODE": "production", "TECHNO_DATA_DIR": str(tmp_path)}
    result = cli(env, "serve", "--reload")
    assert result.returncode == 2
    assert "--reload is for TECHNO_MODE=dev only (the mode is production)" in result.stderr


def _post(base: str, api_key: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        base + "/process",
        data=json.dumps(ANALYZE).encode(),
        headers={"X-API-KEY": api_key, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0  # not listening (yet, or while restarting)


def _wait_for_status(base: str, api_key: str, wanted: int, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_SECONDS
    status = _post(base, api_key)
    while status != wanted:
        if server.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"expected {wanted} from /process, last answer {status}")
        time.sleep(0.2)
        status = _post(base, api_key)


ReloadingServer = tuple[str, dict[str, str], Path, "subprocess.Popen[str]"]


@pytest.fixture
def reloading_server(tmp_path: Path) -> Iterator[ReloadingServer]:
    matrix = tmp_path / "matrix.yaml"
    shutil.copy(DEFAULT_ACTION_MATRIX, matrix)
    port = free_port()
    env = {
        # As on a fresh machine: buffered output, so a line not flushed is a line lost.
        **{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},
        "TECHNO_MODE": "dev",
        "TECHNO_DATA_DIR": str(tmp_path / "var"),
        "TECHNO_PORT": str(port),
        "TECHNO_ACTION_MATRIX": str(matrix),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--reload"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=sigint_restored,
    )
    try:
        yield f"http://127.0.0.1:{port}", env, matrix, server
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        output = server.stdout.read() if server.stdout else ""
        if server.stdout:
            server.stdout.close()
        # The reloader's own lines name what it watched and why it restarted.
        assert "reload: watching" in output


def test_an_edited_matrix_is_live_after_the_restart(reloading_server: ReloadingServer) -> None:
    base, env, matrix, server = reloading_server
    created = cli(env, "keys", "create", "--role", "viewer", "--json")
    assert created.returncode == 0, created.stderr
    api_key = json.loads(created.stdout)["api_key"]

    _wait_for_status(base, api_key, 403, server)  # viewers may only echo
    matrix.write_text(
        matrix.read_text().replace(
            "      - actions: [echo]\n        contexts: [default]",
            "      - actions: [echo, analyze_text]\n        contexts: [default]",
        )
    )
    _wait_for_status(base, api_key, 200, server)


def test_the_reloader_lines_survive_a_kill_when_piped(reloading_server: ReloadingServer) -> None:
    # Piped into a log and then killed (a CI timeout, an OOM kill), a buffered reloader
    # would take its lines with it: they must already be written.
    base, env, _, server = reloading_server
    created = cli(env, "keys", "create", "--role", "viewer", "--json")
    assert created.returncode == 0, created.stderr
    _wait_for_status(base, json.loads(created.stdout)["api_key"], 403, server)  # it answers
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    # The fixture's teardown reads what was written and asserts the "reload: watching" line.
