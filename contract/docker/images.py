"""Which image each container runs: explicit choice, else the local build, else the official one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import docker
from docker.errors import APIError, ImageNotFound

from contract.docker.naming import LOCAL_ALERTMANAGER, LOCAL_BACKEND, LOCAL_PROMETHEUS
from contract.errors import HarnessError
from contract.spec import ALERTMANAGER, BACKEND, GRAFANA, PROMETHEUS

OFFICIAL_IMAGES: Mapping[str, str] = {
    PROMETHEUS: "prom/prometheus:v2.42.0",
    ALERTMANAGER: "prom/alertmanager:v0.25.0",
    GRAFANA: "grafana/grafana:11.2.0",
}
LOCAL_IMAGES: Mapping[str, str] = {
    PROMETHEUS: LOCAL_PROMETHEUS,
    ALERTMANAGER: LOCAL_ALERTMANAGER,
}
# The backend has no upstream image: the runtime builds it from the root Dockerfile.
BACKEND_BUILT = "built from the root Dockerfile, rebuilt when stale"
BUILD_HINT = "build local images with `python -m contract.docker build-images`"


def image_env_var(component: str) -> str:
    """Return the environment variable that names component's image."""
    return f"TECHNO_IMAGE_{component.upper()}"


@dataclass(frozen=True)
class ImageChoice:
    """The image a component runs and why that one."""

    component: str
    image: str
    reason: str
    # Named by the user (flag or environment): used as is, never rebuilt.
    explicit: bool = False


def choose_image(
    client: docker.DockerClient,
    component: str,
    environ: Mapping[str, str],
    overrides: Mapping[str, str] | None = None,
) -> ImageChoice:
    """Pick the image: a flag, then TECHNO_IMAGE_<NAME>, then the local build, else official."""
    flag = (overrides or {}).get(component, "")
    if flag:
        return ImageChoice(component, flag, f"--image {component}={flag}", explicit=True)
    variable = image_env_var(component)
    if environ.get(variable, ""):
        return ImageChoice(component, environ[variable], f"${variable}", explicit=True)
    if component == BACKEND:
        return ImageChoice(component, LOCAL_BACKEND, BACKEND_BUILT)
    local = LOCAL_IMAGES.get(component)
    if local is not None and _present(client, local):
        return ImageChoice(component, local, "local build present")
    return ImageChoice(component, OFFICIAL_IMAGES[component], "official default")


def _present(client: docker.DockerClient, image: str) -> bool:
    try:
        client.images.get(image)
    except ImageNotFound:
        return False
    return True


def require_image(client: docker.DockerClient, choice: ImageChoice) -> str:
    """Return the id of choice's image, pulling it once if absent; fail closed naming the fix."""
    try:
        image_id: str = client.images.get(choice.image).id
        return image_id
    except ImageNotFound:
        pass
    try:
        pulled = client.images.pull(choice.image)
    except APIError as exc:
        hint = f"set {image_env_var(choice.component)} to an image this host has"
        if choice.component in LOCAL_IMAGES or choice.component == BACKEND:
            hint = f"{BUILD_HINT}, or {hint}"
        raise HarnessError(
            choice.component,
            f"image {choice.image} ({choice.reason}) is not present and cannot be pulled "
            f"({exc.explanation or exc}); {hint}",
        ) from exc
    pulled_id: str = pulled.id
    return pulled_id
