"""Developer and CI sessions: `nox --list` shows what each one does."""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "tests", "check"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
ROOT = Path(__file__).resolve().parent


def _install(session: nox.Session, *groups: str) -> None:
    """Install the project (editable) plus the named dependency groups, in one resolve."""
    requirements = nox.project.dependency_groups(PYPROJECT, *groups) if groups else ()
    session.install("-e", ".", *requirements)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the unit and HTTP tests (fast; local processes only: the server, redis-server)."""
    # The reliability group includes test and contract: tests/contract and
    # tests/reliability unit-test pure helpers that import those libraries, and
    # their long, live tests skip themselves unless selected.
    _install(session, "reliability")
    session.run("pytest", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and types: ruff (lint + format check) and mypy --strict."""
    _install(session, "lint", "test", "contract", "bench", "reliability")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "service", "obs", "contract", "bench", "tests", "noxfile.py")
    # The CI scripts in .ci/ are no package: checked file by file.
    session.run("mypy", ".ci/fresh_debian.py", ".ci/check_skips.py")


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate alerts/, dashboards/, runbooks/ and deploy/ from obs/catalog.yaml."""
    _install(session)
    session.run("python", "-m", "obs", "generate", *session.posargs)


@nox.session
def check(session: nox.Session) -> None:
    """Prove the generated artifacts: drift, promtool, amtool and dashboard schema checks."""
    _install(session)
    session.run("python", "-m", "obs", "generate", "--check")
    session.run("python", "-m", "obs", "check", *session.posargs)


@nox.session
def contract(session: nox.Session) -> None:
    """Start the real stack and prove it live (`-- --skip grafana`, `--runtime docker`)."""
    _install(session, "test", "contract")
    session.run("python", "-m", "contract", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Measure the pipeline against bare aiohttp and FastAPI, generation, contract."""
    _install(session, "bench", "test", "contract")
    session.run("python", "-m", "bench", "run", *session.posargs)


@nox.session
def calibrate(session: nox.Session) -> None:
    """Load a backend in steps to saturation; write obs/calibration/ and propose thresholds.

    Starts its own backend as the contract does (`-- --url URL --api-key-file F` for a
    running one); prints the catalog diff, applied only with `-- --apply`.
    """
    _install(session, "calibrate")
    session.run("python", "-m", "obs", "calibrate", *session.posargs)


@nox.session(name="bench_smoke")
def bench_smoke(session: nox.Session) -> None:
    """Run the quick bench and check every part produced its figures and the chart (not bars).

    `-- OUT [bench run options]`, e.g. `--contract-evidence DIR` to reuse a contract run.
    """
    _install(session, "bench", "test", "contract")
    out = Path(session.posargs[0]) if session.posargs else ROOT / "evidence" / "bench-smoke"
    shutil.rmtree(out, ignore_errors=True)  # a stale results.json must not pass for this run's
    session.run("python", "-m", "bench", "run", "--quick", "--out", str(out), *session.posargs[1:])
    session.run("python", "-m", "bench.smoke", str(out))


@nox.session(name="fresh_debian")
def fresh_debian(session: nox.Session) -> None:
    """Run the README's two commands in a clean debootstrapped Debian 12 (root; about 15 min)."""
    _install(session, "contract")
    session.run("python", ".ci/fresh_debian.py", *session.posargs)


@nox.session
def images(session: nox.Session) -> None:
    """Build the local container images for `--runtime docker` (no registry needed)."""
    _install(session, "contract")
    session.run("python", "-m", "contract.docker", "build-images", *session.posargs)


@nox.session
def reliability(session: nox.Session) -> None:
    """Prove load, rate limits, durability, crash safety, fuzzing, secrets (`-- --bounded`)."""
    _install(session, "reliability")
    session.run(
        "pytest",
        "tests/reliability",
        "-m",
        "reliability",
        "-p",
        "no:cacheprovider",
        "-q",
        *session.posargs,
    )
