"""Build the local images (for hosts without a registry), reusing those still current."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import docker
from docker.errors import APIError, ImageNotFound

from contract.docker.base_image import BaseRecipe, build_base_image
from contract.docker.context import content_hash
from contract.docker.naming import (
    CONTENT_HASH_LABEL,
    LOCAL_ALERTMANAGER,
    LOCAL_BACKEND,
    LOCAL_DEBIAN,
    LOCAL_PROMETHEUS,
    LOCAL_PYTHON,
)
from contract.errors import HarnessError

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGES_DIR = REPO_ROOT / "contract" / "images"
# The root Dockerfile's default base, for hosts that can pull it.
OFFICIAL_PYTHON = "python:3.11-slim-bookworm"

Say = Callable[[str, str], None]


@dataclass(frozen=True)
class Recipe:
    """One image built from a Dockerfile in a context directory."""

    tag: str
    context: Path
    buildargs: Mapping[str, str] = field(default_factory=dict)
    # Local images this one is built FROM; their ids enter the content hash so
    # a rebuilt parent makes the child stale.
    parents: tuple[str, ...] = ()


def local_recipes(repo_root: Path = REPO_ROOT) -> list[Recipe]:
    """Return the local images in build order (parents before children)."""
    base = {"BASE_IMAGE": LOCAL_DEBIAN}
    images = repo_root / "contract" / "images"
    return [
        Recipe(LOCAL_PYTHON, images / "python", base, (LOCAL_DEBIAN,)),
        Recipe(LOCAL_PROMETHEUS, images / "prometheus", base, (LOCAL_DEBIAN,)),
        Recipe(LOCAL_ALERTMANAGER, images / "alertmanager", base, (LOCAL_DEBIAN,)),
        backend_recipe(repo_root, LOCAL_PYTHON),
    ]


def backend_recipe(repo_root: Path, base_image: str) -> Recipe:
    """Return the backend image recipe (the root Dockerfile) on base_image."""
    if not (repo_root / "Dockerfile").is_file():
        raise HarnessError(
            "backend",
            f"no Dockerfile at {repo_root}: the backend image is built from a checkout of the "
            "project (install it editable), or name a ready image in TECHNO_IMAGE_BACKEND",
        )
    parents = (base_image,) if base_image.startswith("techno-ops/") else ()
    return Recipe(LOCAL_BACKEND, repo_root, {"BASE_IMAGE": base_image}, parents)


def image_label(client: docker.DockerClient, tag: str) -> tuple[str, str] | None:
    """Return (id, content-hash label) of a local image, or None if it is absent."""
    try:
        image = client.images.get(tag)
    except ImageNotFound:
        return None
    labels = image.labels or {}
    return image.id, str(labels.get(CONTENT_HASH_LABEL, ""))


def superseded_images(images: Iterable[tuple[str, tuple[str, ...], str]]) -> list[str]:
    """Return the ids of untagged images of ours that a rebuild left behind.

    `images` holds (id, tags, content-hash label). An untagged image whose label is the
    label of a tagged image is a layer of that image, or of a build on top of it still
    running: it stays.
    """
    listed = list(images)
    live = {label for _, tags, label in listed if tags}
    return [image_id for image_id, tags, label in listed if not tags and label not in live]


class ImageBuilder:
    """Build images through the docker SDK, skipping those whose content hash still matches."""

    def __init__(self, client: docker.DockerClient, say: Say, *, force: bool = False) -> None:
        self._client = client
        self._say = say
        self._force = force

    def ensure_base(self, recipe: BaseRecipe | None = None) -> str:
        """Return the Debian base image id, debootstrapping it when absent or stale."""
        recipe = recipe or BaseRecipe.for_host()
        wanted = recipe.content_hash()
        present = image_label(self._client, LOCAL_DEBIAN)
        if present and present[1] == wanted and not self._force:
            self._say(LOCAL_DEBIAN, f"present and current ({present[0][7:19]}), reused")
            return present[0]
        reason = "absent" if present is None else "forced" if self._force else "stale"
        self._say(LOCAL_DEBIAN, f"{reason}: building from debootstrap")
        started = time.monotonic()
        image_id = build_base_image(
            self._client, LOCAL_DEBIAN, recipe, lambda msg: self._say(LOCAL_DEBIAN, msg)
        )
        self._say(LOCAL_DEBIAN, f"built {image_id[7:19]} in {time.monotonic() - started:.1f}s")
        return image_id

    def ensure(self, recipe: Recipe) -> str:
        """Return recipe's image id, building it when absent, stale or forced."""
        parent_ids = []
        for parent in recipe.parents:
            found = image_label(self._client, parent)
            if found is None:
                raise HarnessError(recipe.tag, f"parent image {parent} is missing; build it first")
            parent_ids.append(found[0])
        wanted = content_hash(recipe.context, buildargs=recipe.buildargs, parent_ids=parent_ids)
        present = image_label(self._client, recipe.tag)
        if present and present[1] == wanted and not self._force:
            self._say(recipe.tag, f"present and current ({present[0][7:19]}), reused")
            return present[0]
        reason = "absent" if present is None else "forced" if self._force else "stale"
        self._say(recipe.tag, f"{reason}: building from {recipe.context}/Dockerfile")
        image_id = self._build(recipe, wanted)
        self._prune_superseded(recipe.tag)
        return image_id

    def _prune_superseded(self, tag: str) -> None:
        # A rebuilt image takes the tag; the old one is left as <none> and would pile up.
        # `docker image prune` would also take the untagged layers of a build running right
        # now in another checkout (they inherit our label from their tagged base) and break
        # it with "No such image": remove only what superseded_images() names.
        listed = self._client.images.list(filters={"label": CONTENT_HASH_LABEL})
        described = [
            (image.id, tuple(image.tags), str((image.labels or {}).get(CONTENT_HASH_LABEL, "")))
            for image in listed
        ]
        gone = 0
        for image_id in superseded_images(described):
            try:
                self._client.images.remove(image_id)
                gone += 1
            except APIError:
                pass  # in use by a container, or already gone: leave it
        if gone:
            self._say(tag, f"removed {gone} superseded image(s)")

    def _build(self, recipe: Recipe, digest: str) -> str:
        started = time.monotonic()
        tail: deque[str] = deque(maxlen=30)
        # Host networking: apt and pip inside the build reach what the host reaches,
        # without the build containers needing a bridge with outside access.
        stream = self._client.api.build(
            path=str(recipe.context),
            tag=recipe.tag,
            buildargs=dict(recipe.buildargs),
            labels={CONTENT_HASH_LABEL: digest},
            network_mode="host",
            rm=True,
            forcerm=True,
            nocache=self._force,
            pull=False,
            decode=True,
        )
        for chunk in stream:
            if "error" in chunk:
                raise HarnessError(
                    recipe.tag, f"docker build failed: {chunk['error'].strip()}", "\n".join(tail)
                )
            for line in str(chunk.get("stream", "")).splitlines():
                if line.strip():
                    tail.append(line)
                if line.startswith("Step "):
                    self._say(recipe.tag, line)
        found = image_label(self._client, recipe.tag)
        if found is None or found[1] != digest:
            raise HarnessError(recipe.tag, "docker build finished but the tagged image is missing")
        self._say(recipe.tag, f"built {found[0][7:19]} in {time.monotonic() - started:.1f}s")
        return found[0]

    def build_all(self, repo_root: Path = REPO_ROOT) -> dict[str, str]:
        """Build (or reuse) the base and every local image; return tag → image id."""
        built = {LOCAL_DEBIAN: self.ensure_base()}
        for recipe in local_recipes(repo_root):
            built[recipe.tag] = self.ensure(recipe)
        return built
