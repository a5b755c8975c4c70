"""What a rebuild removes: its own superseded builds, never the layers of a live build."""

from __future__ import annotations

from contract.docker.build import superseded_images


def test_an_old_untagged_build_is_superseded() -> None:
    images = [
        ("sha256:new", ("techno-ops/backend:local",), "hash-backend-2"),
        ("sha256:old", (), "hash-backend-1"),
    ]
    assert superseded_images(images) == ["sha256:old"]


def test_the_layers_of_a_build_running_elsewhere_stay() -> None:
    # Intermediate images inherit their tagged base's label: another checkout's build on
    # top of the base would fail with "No such image" if they were removed.
    images = [
        ("sha256:base", ("techno-ops/debian:local",), "hash-base"),
        ("sha256:step14", (), "hash-base"),
        ("sha256:step15", (), "hash-base"),
    ]
    assert superseded_images(images) == []


def test_tagged_images_are_never_superseded() -> None:
    images = [("sha256:a", ("x:1",), "h1"), ("sha256:b", ("x:2",), "h2")]
    assert superseded_images(images) == []
