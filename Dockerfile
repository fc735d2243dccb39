# oppbot's container image: `docker build -t oppbot .` (deploy/compose.yaml and deploy/k8s use it).
# Stage 1 builds a virtualenv with oppbot and its dependencies; stage 2 copies only that venv onto a
# clean slim image and runs it as an unprivileged user.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/oppbot
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/oppbot/bin/pip install --no-cache-dir .

FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 oppbot \
    && useradd --system --uid 10001 --gid oppbot --home-dir /app --create-home --shell /usr/sbin/nologin oppbot
COPY --from=build /opt/oppbot /opt/oppbot
# The Teams app manifest and icons: `oppbot teams package` finds them under the working directory.
COPY manifests/teams /app/manifests/teams
ENV PATH=/opt/oppbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    OPPBOT_HOST=0.0.0.0 \
    OPPBOT_PORT=3000 \
    OPPBOT_LOG_FORMAT=json \
    OPPBOT_PLAYGROUND=off
WORKDIR /app
USER 10001:10001
EXPOSE 3000
# Ready = the database answers and its schema is at the code's migration head (/healthz); a 503
# raises in urlopen, so the command fails. Migrations: `oppbot db upgrade` as its own step (compose's
# `migrate` service, the Kubernetes Job), and `serve` migrates too, serialised by an advisory lock.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('OPPBOT_PORT', '3000'), timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["oppbot"]
CMD ["serve", "--workers", "2"]
