"""Image choice: flag, then TECHNO_IMAGE_<NAME>, then the local build, else the official image."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest

from contract.docker.client import daemon_reachable
from contract.docker.images import OFFICIAL_IMAGES, ImageChoice, choose_image, require_image
from contract.docker.naming import LOCAL_BACKEND, LOCAL_PROMETHEUS
from contract.errors import HarnessError
from contract.spec import BACKEND, GRAFANA, PROMETHEUS

pytestmark = pytest.mark.skipif(not daemon_reachable(), reason="no reachable docker daemon")


@pytest.fixture
def client() -> Iterator[docker.DockerClient]:
    client = docker.from_env()
    yield client
    client.close()


def test_flag_beats_environment(client: docker.DockerClient) -> None:
    env = {"TECHNO_IMAGE_PROMETHEUS": "from-env:1"}
    choice = choose_image(client, PROMETHEUS, env, {PROMETHEUS: "from-flag:1"})
    assert choice.image == "from-flag:1" and choice.explicit


def test_environment_beats_local_build(client: docker.DockerClient) -> None:
    choice = choose_image(client, PROMETHEUS, {"TECHNO_IMAGE_PROMETHEUS": "mine:2"})
    assert choice == ImageChoice(PROMETHEUS, "mine:2", "$TECHNO_IMAGE_PROMETHEUS", explicit=True)


def test_local_build_is_used_when_present(client: docker.DockerClient) -> None:
    if not client.images.list(name=LOCAL_PROMETHEUS):
        pytest.skip(f"{LOCAL_PROMETHEUS} missing: run `python -m contract.docker build-images`")
    choice = choose_image(client, PROMETHEUS, {})
    assert choice.image == LOCAL_PROMETHEUS and not choice.explicit


def test_backend_is_the_image_built_from_the_root_dockerfile(client: docker.DockerClient) -> None:
    choice = choose_image(client, BACKEND, {})
    assert choice.image == LOCAL_BACKEND and "root Dockerfile" in choice.reason
    assert not choice.explicit


def test_official_image_is_the_default_without_a_local_build(client: docker.DockerClient) -> None:
    choice = choose_image(client, GRAFANA, {})
    assert choice.image == OFFICIAL_IMAGES[GRAFANA] == "grafana/grafana:11.2.0"


def test_an_image_that_is_neither_present_nor_pullable_fails_naming_the_fix(
    client: docker.DockerClient,
) -> None:
    choice = ImageChoice(PROMETHEUS, "techno-ops/absent-image:never", "$TECHNO_IMAGE_PROMETHEUS")
    with pytest.raises(HarnessError) as failure:
        require_image(client, choice)
    assert failure.value.component == PROMETHEUS
    assert "techno-ops/absent-image:never" in failure.value.cause
    assert "build-images" in failure.value.cause
    assert "TECHNO_IMAGE_PROMETHEUS" in failure.value.cause
