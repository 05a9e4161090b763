# paperbot as a service. `docker compose up -d` (compose.yaml) builds and runs it; by hand:
#   docker build -t paperbot . && docker run -d --env-file .env -v paperbot-data:/data paperbot
# The database lives on the /data volume; tokens come from the environment, never from the image.
# BASE: any Debian-based image with `python` and `pip` (a mirror, or a local base when Docker Hub is out
# of reach).
ARG BASE=python:3.12-slim
FROM ${BASE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY storage ./storage
RUN pip install . && rm -rf /src

RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home paperbot \
    && mkdir -p /data && chown paperbot:paperbot /data
USER paperbot
# The working directory is the volume: a relative PAPERBOT_DB (./paperbot.db) and a .env placed there
# resolve to it as well.
WORKDIR /data
VOLUME ["/data"]

# Inside a container the listener must face the container's network, not its loopback.
ENV PAPERBOT_DB=/data/paperbot.db \
    PAPERBOT_HTTP_HOST=0.0.0.0 \
    PAPERBOT_HTTP_PORT=3000
EXPOSE 3000

# /healthz answers 503 when the scheduler stopped or an adapter gave up (revoked token); urllib raises
# on that, so the check fails. Standard library only: the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PAPERBOT_HTTP_PORT', '3000') + '/healthz', timeout=4)"]

STOPSIGNAL SIGTERM
CMD ["paperbot", "run"]
