# The techno-ops backend: a non-root image serving `python -m service serve`.
#
# BASE_IMAGE must provide python3 >= 3.11 with the venv module. The default is
# the official slim image; hosts without a registry build a Debian equivalent
# with `python -m contract.docker build-images` (techno-ops/python:3.11-bookworm).
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python3 -m venv /opt/techno
WORKDIR /src
# Dependencies first, from the lock file alone, so a source edit reuses this
# layer: every version pinned and every file's hash checked, so two builds of
# one commit install the same bytes (the uvloop extra included: the service
# runs on uvloop when it is installed).
COPY requirements.lock ./
RUN /opt/techno/bin/pip install --require-hashes --no-deps -r requirements.lock
# README.m[d]: pyproject names it as the readme; the glob keeps the build
# working in a checkout where it is absent.
COPY pyproject.toml README.m[d] ./
COPY service ./service
COPY obs ./obs
RUN /opt/techno/bin/pip install --no-deps . && rm -rf /src/build

FROM ${BASE_IMAGE}
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/techno --create-home \
        --shell /usr/sbin/nologin techno
COPY --from=build /opt/techno /opt/techno
# Production by default: its refusals (debug, relative paths, plaintext
# credentials, contradictory timeouts) apply unless TECHNO_MODE says otherwise.
# On 0.0.0.0 production needs TLS: the image assumes a TLS-terminating proxy in
# front (TECHNO_TLS_TERMINATED_AT_PROXY=1); to serve TLS itself, mount a
# certificate and set TECHNO_TLS_CERT and TECHNO_TLS_KEY.
ENV PATH=/opt/techno/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TECHNO_MODE=production \
    TECHNO_HOST=0.0.0.0 \
    TECHNO_PORT=8080 \
    TECHNO_TLS_TERMINATED_AT_PROXY=1 \
    TECHNO_DATA_DIR=/var/lib/techno
USER techno
WORKDIR /var/lib/techno
# The key store and the audit log: keep them when the container is replaced.
VOLUME ["/var/lib/techno"]
EXPOSE 8080
# `healthcheck` dials this container's own listener, over https when TLS is on.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-m", "service", "healthcheck"]
CMD ["python", "-m", "service", "serve"]
