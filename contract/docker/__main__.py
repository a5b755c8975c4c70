"""`python -m contract.docker`: build the local images, show the image choice, clean leftovers."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

import docker

from contract.docker.build import ImageBuilder
from contract.docker.client import connect
from contract.docker.images import choose_image, image_env_var
from contract.docker.resources import find_resources, remove_stale_runs
from contract.errors import HarnessError
from contract.progress import Progress
from contract.spec import ALERTMANAGER, BACKEND, GRAFANA, PROMETHEUS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m contract.docker",
        description="Docker side of the contract harness.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser(
        "build-images",
        help="build techno-ops/{debian,python,prometheus,alertmanager,backend} locally",
        description=(
            "Build, without any registry, local images equivalent to the official ones: "
            "a debootstrapped Debian base, Debian's prometheus and prometheus-alertmanager, "
            "and the backend from the root Dockerfile. Images whose content hash still "
            "matches are reused."
        ),
    )
    build.add_argument("--force", action="store_true", help="rebuild every image, without cache")
    commands.add_parser("images", help="show which image each component would run, and why")
    commands.add_parser(
        "cleanup", help="remove what contract runs whose harness is gone left behind"
    )
    return parser


def _build(client: docker.DockerClient, progress: Progress, force: bool) -> None:
    started = time.monotonic()
    built = ImageBuilder(client, progress.say, force=force).build_all()
    for tag, image_id in built.items():
        progress.say("build-images", f"{tag} = {image_id[7:19]}")
    progress.say("build-images", f"done in {time.monotonic() - started:.1f}s")


def _images(client: docker.DockerClient) -> None:
    for component in (BACKEND, PROMETHEUS, ALERTMANAGER, GRAFANA):
        choice = choose_image(client, component, os.environ)
        print(f"{component:<13} {choice.image:<32} {choice.reason}; set {image_env_var(component)}")


def _cleanup(client: docker.DockerClient, progress: Progress) -> None:
    removed = remove_stale_runs(client, lambda msg: progress.say("cleanup", msg))
    live = find_resources(client)
    summary = f"removed {len(removed)} stale run(s); live runs hold: {live.describe()}"
    progress.say("cleanup", summary)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; return the process exit status."""
    args = _parser().parse_args(argv)
    progress = Progress(sys.stdout)
    try:
        client = connect()
        if args.command == "build-images":
            _build(client, progress, args.force)
        elif args.command == "images":
            _images(client)
        else:
            _cleanup(client, progress)
    except HarnessError as exc:
        print(f"{args.command} failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{args.command} interrupted", file=sys.stderr)
        return 130
    return os.EX_OK


if __name__ == "__main__":
    raise SystemExit(main())
