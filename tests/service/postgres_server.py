"""A real PostgreSQL server (Debian's) on a free loopback port, with a password, run by tests.

`initdb` into a fresh directory, then `postgres` on 127.0.0.1 only. PostgreSQL refuses
to run as root, so under root both run as the `postgres` user the package made. The
host's own cluster and its service are never touched.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.service.redis_server import _free_port

START_TIMEOUT_SECONDS = 30.0
USER = "techno"
INSTALL_HINT = (
    "PostgreSQL is not installed: the PostgreSQL store is tested against a real one "
    "(apt-get install -y postgresql, or run .ci/setup)"
)


def find_bindir() -> Path | None:
    """Return the newest /usr/lib/postgresql/N/bin holding initdb and postgres, or PATH's."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    for bindir in reversed(candidates):
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return bindir
    initdb = shutil.which("initdb")
    return None if initdb is None else Path(os.path.realpath(initdb)).parent


class PostgresServer:
    """One PostgreSQL cluster; kill() it (a crash) and start() it again to make an outage."""

    def __init__(self, bindir: Path, workdir: Path) -> None:
        self._bindir = bindir
        self._workdir = workdir
        self._data = workdir / "data"
        self._log_path = workdir / "postgres.log"
        self.port = _free_port()
        self.password = "pw-" + secrets.token_hex(12)
        # Where the test process keeps the client's password file (PGPASSFILE).
        self.passfile = workdir / "client" / "pgpass"
        self._run_as = "postgres" if os.geteuid() == 0 else None
        self._process: subprocess.Popen[bytes] | None = None

    def url(self, database: str = "postgres") -> str:
        """Return a URL without the password (the client finds it in PGPASSFILE)."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def url_with_password(self, database: str = "postgres") -> str:
        """Return a URL carrying the password, as a TECHNO_DATABASE_URL_FILE would."""
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        """Run initdb with a scram-sha-256 password for USER and write the client passfile."""
        self.passfile.parent.mkdir(mode=0o700)
        self.passfile.write_text(f"127.0.0.1:{self.port}:*:{USER}:{self.password}\n")
        self.passfile.chmod(0o600)
        pwfile = self._workdir / "pwfile"
        pwfile.write_text(self.password + "\n")
        self._own(pwfile)
        try:
            self._run(
                [
                    str(self._bindir / "initdb"),
                    "-D", str(self._data),
                    "-U", USER,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "--no-sync",
                    "--no-instructions",
                    "--encoding=UTF8",
                    "--locale=C",
                ]
            )  # fmt: skip
        finally:
            pwfile.unlink()

    def start(self) -> None:
        """Start postgres on 127.0.0.1 and wait until it accepts connections."""
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self._as_user(
                    [
                        str(self._bindir / "postgres"),
                        "-D", str(self._data),
                        "-p", str(self.port),
                        "-c", "listen_addresses=127.0.0.1",
                        "-c", f"unix_socket_directories={self._workdir}",
                        "-c", "max_connections=100",
                    ]
                ),
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            ready = subprocess.run(
                [str(self._bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"postgres on 127.0.0.1:{self.port} did not start; log:\n{self.log_tail()}")

    def kill(self) -> None:
        """Crash the server (immediate shutdown: clients cut off, no checkpoint), wait for it."""
        self._signal(signal.SIGQUIT)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and wait until it is gone."""
        self._signal(signal.SIGINT)

    @property
    def stopped(self) -> bool:
        """Return True unless the server was started and has not been stopped or killed."""
        return self._process is None or self._process.poll() is not None

    def log_tail(self) -> str:
        """Return the end of the server's log."""
        return self._log_path.read_text(errors="replace")[-3000:]

    def _signal(self, signum: int) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        # Under runuser the postmaster is its child: signal the postmaster itself.
        pid_file = self._data / "postmaster.pid"
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            os.kill(int(pid_file.read_text().split()[0]), signum)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def _as_user(self, argv: list[str]) -> list[str]:
        return argv if self._run_as is None else ["runuser", "-u", self._run_as, "--", *argv]

    def _own(self, path: Path) -> None:
        if self._run_as is not None:
            entry = pwd.getpwnam(self._run_as)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _run(self, argv: list[str]) -> None:
        done = subprocess.run(self._as_user(argv), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.fail(f"{argv[0]} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Yield a started PostgresServer in a fresh directory; stopped and removed on exit."""
    bindir = find_bindir()
    if bindir is None:
        pytest.fail(INSTALL_HINT)
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root needs the postgres user (Debian's package makes it)")
    # Not pytest's tmp_path: under root it is closed to the postgres user.
    workdir = Path(tempfile.mkdtemp(prefix="techno-pg-"))
    server = PostgresServer(bindir, workdir)
    try:
        server._own(workdir)
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
