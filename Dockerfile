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
# Dependencies first, from pyproject alone, so a source edit reuses this layer.
# README.m[d]: pyproject names it as the readme; the glob keeps the build
# working in a checkout where it is absent.
COPY pyproject.toml README.m[d] ./
# The uvloop extra too: the service runs on uvloop when it is installed.
RUN python3 -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + p['optional-dependencies']['uvloop']))" > /tmp/requirements.txt \
    && /opt/techno/bin/pip install -r /tmp/requirements.txt
COPY service ./service
COPY obs ./obs
RUN /opt/techno/bin/pip install --no-deps . && rm -rf /src/build

FROM ${BASE_IMAGE}
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/techno --create-home \
        --shell /usr/sbin/nologin techno
COPY --from=build /opt/techno /opt/techno
ENV PATH=/opt/techno/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TECHNO_HOST=0.0.0.0 \
    TECHNO_PORT=8080 \
    TECHNO_DATA_DIR=/var/lib/techno
USER techno
WORKDIR /var/lib/techno
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('TECHNO_PORT', '8080') + '/health', timeout=2)"]
CMD ["python", "-m", "service", "serve"]
