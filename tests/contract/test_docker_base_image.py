"""The Debian base recipe follows the host's mirror and CAs, and its hash tracks them."""

from __future__ import annotations

from pathlib import Path

from contract.docker.base_image import DEFAULT_MIRROR, BaseRecipe, debian_mirror


def test_mirror_is_read_from_the_hosts_deb822_sources(tmp_path: Path) -> None:
    sources = tmp_path / "debian.sources"
    sources.write_text(
        "Types: deb\n# a comment\nURIs: http://mirror.example/debian\nSuites: bookworm\n"
    )
    assert debian_mirror(sources) == "http://mirror.example/debian"


def test_mirror_defaults_to_deb_debian_org_without_sources(tmp_path: Path) -> None:
    assert debian_mirror(tmp_path / "absent.sources") == DEFAULT_MIRROR


def test_hash_changes_with_mirror_and_added_cas(tmp_path: Path) -> None:
    ca = tmp_path / "proxy.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    plain = BaseRecipe()
    assert BaseRecipe(mirror="http://other/debian").content_hash() != plain.content_hash()
    with_ca = BaseRecipe(extra_cas=(ca,))
    assert with_ca.content_hash() != plain.content_hash()
    before = with_ca.content_hash()
    ca.write_text("-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n")
    assert with_ca.content_hash() != before
