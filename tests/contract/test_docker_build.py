"""Local images are reused while current and rebuilt, replacing the old one, when stale."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.errors import ImageNotFound

from contract.docker.build import ImageBuilder, Recipe, image_label
from contract.docker.client import daemon_reachable
from contract.docker.naming import LOCAL_DEBIAN
from contract.errors import HarnessError

pytestmark = pytest.mark.skipif(not daemon_reachable(), reason="no reachable docker daemon")
TAG = "techno-ops/build-probe:test"


@pytest.fixture
def client() -> Iterator[docker.DockerClient]:
    client = docker.from_env()
    if not client.images.list(name=LOCAL_DEBIAN):
        pytest.skip(f"{LOCAL_DEBIAN} missing: run `python -m contract.docker build-images`")
    yield client
    for image in client.images.list(name=TAG.split(":")[0]):
        client.images.remove(image.id, force=True)
    client.close()


def _recipe(context: Path, text: str) -> Recipe:
    context.mkdir(exist_ok=True)
    (context / "Dockerfile").write_text(
        "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY message.txt /message.txt\n"
    )
    (context / "message.txt").write_text(text)
    return Recipe(TAG, context, {"BASE_IMAGE": LOCAL_DEBIAN}, (LOCAL_DEBIAN,))


def test_image_is_built_then_reused_then_rebuilt_when_its_context_changes(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    said: list[str] = []
    builder = ImageBuilder(client, lambda tag, msg: said.append(f"{tag} {msg}"))
    first = builder.ensure(_recipe(tmp_path / "ctx", "v1\n"))
    assert any("absent: building" in line for line in said)
    said.clear()
    assert builder.ensure(_recipe(tmp_path / "ctx", "v1\n")) == first
    assert any("reused" in line for line in said)
    said.clear()
    second = builder.ensure(_recipe(tmp_path / "ctx", "v2\n"))
    assert second != first
    assert any("stale: building" in line for line in said)
    with pytest.raises(ImageNotFound):
        client.images.get(first)  # the superseded image does not pile up as <none>
    found = image_label(client, TAG)
    assert found is not None and found[0] == second


def test_a_failing_build_names_the_image_and_shows_the_log(
    client: docker.DockerClient, tmp_path: Path
) -> None:
    context = tmp_path / "broken"
    context.mkdir()
    (context / "Dockerfile").write_text(f"FROM {LOCAL_DEBIAN}\nRUN echo about-to-fail && false\n")
    builder = ImageBuilder(client, lambda tag, msg: None)
    with pytest.raises(HarnessError) as failure:
        builder.ensure(Recipe(TAG, context))
    assert failure.value.component == TAG
    assert "returned a non-zero code" in failure.value.cause
    assert "about-to-fail" in failure.value.log_tail


def test_a_missing_parent_image_is_named(client: docker.DockerClient, tmp_path: Path) -> None:
    recipe = Recipe(TAG, tmp_path, parents=("techno-ops/no-such-parent:1",))
    with pytest.raises(HarnessError, match="parent image techno-ops/no-such-parent:1 is missing"):
        ImageBuilder(client, lambda tag, msg: None).ensure(recipe)
