"""The local Debian base image: debootstrap a minimal bookworm and import it into docker."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import docker

from contract.docker.naming import CONTENT_HASH_LABEL
from contract.errors import HarnessError, MissingBinaryError

DEBIAN_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# CAs the host added on top of Debian's bundle (e.g. a TLS-inspecting egress
# proxy's). The base trusts the same ones, so apt and pip inside image builds
# reach what the host reaches.
HOST_CA_DIR = Path("/usr/local/share/ca-certificates")

# Like Debian's official slim images: no docs, man pages or translations.
_DPKG_EXCLUDES = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
"""
_APT_SETTINGS = """\
APT::Install-Recommends "false";
APT::Install-Suggests "false";
"""
_URIS_RE = re.compile(r"^URIs:\s*(\S+)", re.MULTILINE)

Say = Callable[[str], None]


def debian_mirror(sources: Path = DEBIAN_SOURCES) -> str:
    """Return the host's Debian mirror (the first URIs entry), or deb.debian.org."""
    if sources.is_file():
        match = _URIS_RE.search(sources.read_text(encoding="utf-8"))
        if match:
            return match.group(1)
    return DEFAULT_MIRROR


@dataclass(frozen=True)
class BaseRecipe:
    """What the Debian base is made from; its hash decides whether an image is stale."""

    suite: str = "bookworm"
    mirror: str = DEFAULT_MIRROR
    extra_cas: tuple[Path, ...] = field(default_factory=tuple)

    @classmethod
    def for_host(cls) -> BaseRecipe:
        """Return the recipe using this host's mirror and locally added CAs."""
        cas = tuple(sorted(HOST_CA_DIR.glob("*.crt"))) if HOST_CA_DIR.is_dir() else ()
        return cls(mirror=debian_mirror(), extra_cas=cas)

    def content_hash(self) -> str:
        """Hash the suite, the mirror, the rootfs tweaks and every added CA."""
        digest = hashlib.sha256(f"{self.suite}\n{self.mirror}\n".encode())
        digest.update((_DPKG_EXCLUDES + _APT_SETTINGS).encode())
        for ca in self.extra_cas:
            digest.update(ca.name.encode() + b"\n" + ca.read_bytes())
        return digest.hexdigest()[:32]


def _prepare_rootfs(rootfs: Path, recipe: BaseRecipe) -> None:
    """Point apt at the mirror, keep docs out, add the host CAs and drop apt caches."""
    suite = recipe.suite
    security = recipe.mirror.rstrip("/") + "-security"
    (rootfs / "etc/apt/sources.list").write_text(
        f"deb {recipe.mirror} {suite} main\n"
        f"deb {recipe.mirror} {suite}-updates main\n"
        f"deb {security} {suite}-security main\n",
        encoding="utf-8",
    )
    (rootfs / "etc/dpkg/dpkg.cfg.d/techno-slim").write_text(_DPKG_EXCLUDES, encoding="utf-8")
    (rootfs / "etc/apt/apt.conf.d/90techno-slim").write_text(_APT_SETTINGS, encoding="utf-8")
    ca_dir = rootfs / HOST_CA_DIR.relative_to("/")
    ca_dir.mkdir(parents=True, exist_ok=True)
    for ca in recipe.extra_cas:
        shutil.copyfile(ca, ca_dir / ca.name)
    for folder in ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale"):
        for entry in (rootfs / folder).glob("*"):
            if folder == "usr/share/doc" and entry.is_dir():
                for item in entry.iterdir():
                    if item.name != "copyright":
                        _remove(item)
            else:
                _remove(entry)
    for cache in ("var/cache/apt", "var/lib/apt/lists"):
        for entry in (rootfs / cache).glob("*"):
            if entry.is_file():
                entry.unlink()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _debootstrap(rootfs: Path, recipe: BaseRecipe, log: IO[str]) -> None:
    if shutil.which("debootstrap") is None:
        raise MissingBinaryError(
            "debian base", "debootstrap is not installed (apt-get install debootstrap)"
        )
    argv = ["debootstrap", "--variant=minbase", recipe.suite, str(rootfs), recipe.mirror]
    result = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        log.flush()
        raise HarnessError(
            "debian base",
            f"debootstrap exited with {result.returncode} (mirror {recipe.mirror})",
            log_tail=_tail(Path(log.name)),
        )


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def build_base_image(client: docker.DockerClient, tag: str, recipe: BaseRecipe, say: Say) -> str:
    """Debootstrap recipe's suite, import it as tag (labelled with its hash); return the id."""
    repository, _, version = tag.rpartition(":")
    with tempfile.TemporaryDirectory(prefix="techno-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        with open(Path(tmp) / "debootstrap.log", "w", encoding="utf-8") as log:
            say(f"debootstrap --variant=minbase {recipe.suite} from {recipe.mirror}")
            _debootstrap(rootfs, recipe, log)
        say(f"slimming the rootfs and adding {len(recipe.extra_cas)} host CA certificate(s)")
        _prepare_rootfs(rootfs, recipe)
        say(f"importing the rootfs as {tag}")
        tar = subprocess.Popen(
            ["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE
        )
        assert tar.stdout is not None
        try:
            answer = client.api.import_image_from_stream(
                tar.stdout,
                repository=repository,
                tag=version,
                changes=[
                    f"LABEL {CONTENT_HASH_LABEL}={recipe.content_hash()}",
                    'CMD ["bash"]',
                ],
            )
        finally:
            tar.stdout.close()
            tar.wait()
        if tar.returncode != 0:
            raise HarnessError("debian base", f"tar of the rootfs exited with {tar.returncode}")
    if "error" in str(answer).lower():
        raise HarnessError("debian base", f"docker import failed: {answer}")
    image_id: str = client.images.get(tag).id
    return image_id
