"""Prove the README's two commands on a clean Debian 12: debootstrap a root, run them inside.

Run as root (`nox -s fresh_debian`, or `python .ci/fresh_debian.py` with the project
installed). It debootstraps a minimal bookworm with only python3 and git (plus
ca-certificates, so TLS works), copies in what this host uses to reach PyPI and its CA
bundle, clones this repository's HEAD into it, and runs the first two commands of the
README's first code block inside a chroot: as root, and as a user with sudo. Each
scenario starts from its own copy of the clean root. It fails if a command fails, or if a
process started inside the root is still running when the commands have ended.
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from contract.docker.base_image import HOST_CA_DIR, debian_mirror

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SUITE = "bookworm"
INCLUDE = "ca-certificates,git,python3"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
PIP_CONFIGS = (Path("/etc/pip.conf"), Path("/etc/xdg/pip"))
PIP_URL_KEYS = ("find-links", "index-url", "extra-index-url")
PASSED_ENV = re.compile(r"^(PIP_\w+|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE)$")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
USER = "dev"
SCENARIOS = ("root", "sudo-user")


@dataclass
class Report:
    """Every timed step and its outcome, printed as a table at the end."""

    rows: list[tuple[str, float, str]] = field(default_factory=list)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the step; record it as ok, or as failed and re-raise."""
        print(f"\n=== {name}", flush=True)
        started = time.monotonic()
        try:
            yield
        except BaseException:
            self.rows.append((name, time.monotonic() - started, "FAILED"))
            raise
        self.rows.append((name, time.monotonic() - started, "ok"))

    def render(self) -> str:
        """Return the steps as an aligned table."""
        width = max((len(name) for name, _, _ in self.rows), default=4)
        lines = [f"{'step':<{width}}  {'seconds':>8}  result"]
        lines += [f"{name:<{width}}  {secs:8.1f}  {result}" for name, secs, result in self.rows]
        return "\n".join(lines)


def readme_commands(readme: Path = README) -> tuple[str, str]:
    """Return the first two commands of the README's first bash block (set-up, tests)."""
    text = readme.read_text(encoding="utf-8")
    match = re.search(r"```bash\n(.*?)```", text, re.DOTALL)
    if match is None:
        raise SystemExit(f"{readme}: no ```bash block")
    commands = [
        line.strip()
        for line in match.group(1).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if len(commands) < 2:
        raise SystemExit(f"{readme}: the first bash block has fewer than two commands")
    return commands[0], commands[1]


def run(argv: Sequence[str]) -> None:
    """Run argv, streaming its output; raise SystemExit naming it if it fails."""
    print("+ " + shlex.join(argv), flush=True)
    done = subprocess.run(argv, check=False)
    if done.returncode != 0:
        raise SystemExit(f"exited with {done.returncode}: {shlex.join(argv)}")


def pip_local_dirs(configs: Sequence[Path], environ: dict[str, str]) -> list[Path]:
    """Return the local folders this host's pip config and PIP_* env point pip at."""
    values: list[str] = [
        environ.get(name, "") for name in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")
    ]
    files = [p for c in configs for p in ([c] if c.is_file() else sorted(c.glob("*.conf")))]
    for path in files:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(path, encoding="utf-8")
        for section in parser.sections():
            values += [parser[section].get(key, "") for key in PIP_URL_KEYS]
    found: list[Path] = []
    for token in " ".join(values).split():
        if not token.startswith(("file://", "/")):
            continue
        local = Path(token.removeprefix("file://"))
        # A local index's pages link to ../../files/...: mount the folder holding simple/.
        local = local.parent if local.name == "simple" else local
        if local.is_dir() and local not in found:
            found.append(local)
    return found


def user_pip_configs() -> list[Path]:
    """Return the invoking user's own pip config files."""
    home = Path.home()
    return [p for p in (home / ".config/pip/pip.conf", home / ".pip/pip.conf") if p.is_file()]


def debootstrap(target: Path, mirror: str, log: Path) -> None:
    """Build the clean root; on failure print the end of debootstrap's log."""
    argv = ["debootstrap", "--variant=minbase", f"--include={INCLUDE}", SUITE, str(target), mirror]
    print("+ " + shlex.join(argv), flush=True)
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
    if code != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
        raise SystemExit(f"debootstrap exited with {code}:\n" + "\n".join(tail))


def copy_host_access(target: Path) -> list[Path]:
    """Copy in DNS, the CA bundle and pip config; return the pip folders to bind-mount."""
    shutil.copyfile("/etc/resolv.conf", target / "etc/resolv.conf")
    shutil.copyfile(CA_BUNDLE, target / CA_BUNDLE.relative_to("/"))
    if HOST_CA_DIR.is_dir():  # so a later update-ca-certificates inside keeps them
        shutil.copytree(HOST_CA_DIR, target / HOST_CA_DIR.relative_to("/"), dirs_exist_ok=True)
    for config in PIP_CONFIGS:
        inside = target / config.relative_to("/")
        if config.is_dir():
            shutil.copytree(config, inside, dirs_exist_ok=True)
        elif config.is_file():
            shutil.copyfile(config, inside)
    return pip_local_dirs([*PIP_CONFIGS, *user_pip_configs()], dict(os.environ))


def copy_user_pip_config(home: Path) -> None:
    """Give the user at home (inside the root) this user's own pip config."""
    for config in user_pip_configs():
        inside = home / config.relative_to(Path.home())
        inside.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(config, inside)


class Chroot:
    """A copy of the clean root with proc, sys, dev and pip's local folders mounted."""

    def __init__(self, clean: Path, target: Path) -> None:
        self.target = target
        run(["cp", "-a", str(clean), str(target)])
        self._mounts: list[Path] = []

    def _mount(self, inside: str, *argv: str) -> None:
        point = self.target / inside.lstrip("/")
        point.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", *argv, str(point)], check=True)
        self._mounts.append(point)

    def __enter__(self) -> Chroot:
        self._mount("/proc", "-t", "proc", "proc")
        self._mount("/sys", "-t", "sysfs", "sysfs")
        self._mount("/dev", "--rbind", "/dev")
        subprocess.run(["mount", "--make-rslave", str(self.target / "dev")], check=True)
        return self

    def bind_readonly(self, folder: Path) -> None:
        """Make a host folder visible at the same path inside, read-only."""
        self._mount(str(folder), "--bind", "-o", "ro", str(folder))

    def env(self, home: str) -> list[str]:
        """Return `env -i` arguments: a login-like environment plus this host's pip settings."""
        passed = {k: v for k, v in os.environ.items() if PASSED_ENV.match(k)}
        pairs = {"HOME": home, "PATH": PATH, "LANG": "C.UTF-8", "TERM": "dumb", **passed}
        return ["env", "-i", *(f"{k}={v}" for k, v in pairs.items())]

    def sh(self, script: str, *, user: str = "root") -> None:
        """Run script with bash inside the root, as user."""
        home = "/root" if user == "root" else f"/home/{user}"
        spec = [] if user == "root" else [f"--userspec={user}:{user}"]
        run(["chroot", *spec, str(self.target), *self.env(home), "bash", "-c", script])

    def leftover_processes(self) -> list[str]:
        """Return 'pid command' of every process whose root is this chroot."""
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            with suppress(OSError):
                if Path(os.readlink(proc / "root")) == self.target:
                    cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                    found.append(f"{proc.name} {cmd.strip()}")
        return found

    def kill_leftovers(self) -> None:
        """SIGKILL what still runs inside (started by this check, found by its root)."""
        for entry in self.leftover_processes():
            with suppress(ProcessLookupError):
                os.kill(int(entry.split()[0]), 9)

    def __exit__(self, *_: object) -> None:
        self.kill_leftovers()
        time.sleep(0.5)
        for point in reversed(self._mounts):
            subprocess.run(["umount", "-R", "-l", str(point)], check=False)
        self._mounts.clear()


def mounts_under(folder: Path) -> list[str]:
    """Return the mount points at or below folder (nothing may be deleted through them)."""
    points = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    return [p for p in points if p == str(folder) or p.startswith(f"{folder}/")]


def scenario(name: str, clean: Path, work: Path, source: Path, report: Report) -> None:
    """Run the README's two commands on a fresh copy of the root, as root or a sudo user."""
    setup, tests = readme_commands()
    user = "root" if name == "root" else USER
    with Chroot(clean, work / name) as root:
        home = "/root" if user == "root" else f"/home/{user}"
        pip_dirs = copy_host_access(root.target)
        for folder in pip_dirs:
            root.bind_readonly(folder)
        root.sh("update-ca-certificates >/dev/null")  # the host's own CAs into the hashed dir
        if user != "root":
            with report.step(f"{name}: add user {user} with sudo"):
                root.sh(
                    "apt-get update -qq && DEBIAN_FRONTEND=noninteractive "
                    "apt-get install -y -qq sudo >/dev/null"
                    f" && useradd -m -s /bin/bash {user}"
                    f" && echo '{user} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/{user}"
                )
        copy_user_pip_config(root.target / home.lstrip("/"))
        clone = f"{home}/techno-ops"
        run(["git", "clone", "-q", str(source), str(root.target / clone.lstrip("/"))])
        if user != "root":
            root.sh(f"chown -R {user}:{user} {home}")
        commands = [("README command 1", setup), ("README command 2", tests)]
        if name == "root":  # a machine where they already ran
            commands.append(("README command 1 again", setup))
        for label, command in commands:
            with report.step(f"{name}: {label}: {command}"):
                root.sh(f"cd {clone} && {command}", user=user)
        with report.step(f"{name}: no process left running inside"):
            left = root.leftover_processes()
            if left:
                raise SystemExit("still running inside the root:\n" + "\n".join(left))


def main(argv: Sequence[str] | None = None) -> int:
    """Build the clean root once, run each scenario on its own copy, print the step times."""
    parser = argparse.ArgumentParser(prog="fresh_debian", description=__doc__.splitlines()[0])
    parser.add_argument("--as", dest="scenarios", choices=SCENARIOS, action="append")
    parser.add_argument("--keep", action="store_true", help="keep the roots (path printed)")
    parser.add_argument("--source", type=Path, default=ROOT, help="repository to clone (HEAD)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("fresh_debian needs root (debootstrap, mount, chroot)", file=sys.stderr)
        return 2
    if shutil.which("debootstrap") is None:
        print("debootstrap missing: .ci/setup --docker installs it", file=sys.stderr)
        return 2
    report = Report()
    work = Path(tempfile.mkdtemp(prefix="techno-fresh-debian-", dir="/var/tmp"))
    head = subprocess.run(
        ["git", "-C", str(args.source), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(f"work dir {work}; cloning {args.source} at {head}", flush=True)
    code = 1
    try:
        mirror = debian_mirror()
        with report.step(f"debootstrap {SUITE} ({INCLUDE}) from {mirror}"):
            debootstrap(work / "clean", mirror, work / "debootstrap.log")
        failed = []
        for name in args.scenarios or SCENARIOS:
            try:
                scenario(name, work / "clean", work, args.source, report)
            except SystemExit as exc:  # the other scenario still tells its own story
                print(f"\n{name} FAILED: {exc}", flush=True)
                failed.append(name)
        code = 1 if failed else 0
    except SystemExit as exc:
        print(f"\nFAILED: {exc}", flush=True)
    finally:
        print("\n" + report.render(), flush=True)
        still_mounted = mounts_under(work)
        if args.keep or still_mounted:
            print(f"roots kept in {work}; still mounted there: {still_mounted or 'nothing'}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("fresh Debian check: " + ("passed" if code == 0 else "FAILED"), flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
