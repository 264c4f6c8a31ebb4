# The application image: the server (uvicorn, see realtime/server.py) serving config.asgi as an
# unprivileged user.
# docker-compose.yml runs it as the one-shot `migrate` and `static` services and as the `app`
# replicas behind nginx; docs/deployment.md explains the settings.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    VAR_DIR=/app/var \
    DEBUG=0

# LibreOffice (headless, without its GUI) converts uploaded Word, PowerPoint and OpenDocument
# papers to PDF, drawing them in DejaVu where a paper's own fonts are missing. The generated PDFs
# use the fonts shipped in fonts/.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
        libreoffice-writer-nogui libreoffice-impress-nogui libreoffice-calc-nogui \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 meetings \
    && useradd --system --uid 10001 --gid meetings --no-create-home --home-dir /app \
        --shell /usr/sbin/nologin meetings

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so that code changes reuse this layer.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .

# Static files are collected into STATIC_ROOT ($VAR_DIR/static) at build time; the `static`
# service copies them into the volume nginx serves. /srv/static and the media directory belong
# to the app user so that fresh named volumes mounted there inherit that owner.
# The SECRET_KEY here only satisfies the DEBUG=0 start-up check for this one command.
RUN SECRET_KEY=collectstatic-at-build-time python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media /srv/static \
    && chown meetings:meetings /app/var/media /srv/static

USER meetings
EXPOSE 8000
CMD ["python", "-m", "realtime.server", "--host", "0.0.0.0", "--port", "8000", "config.asgi:application"]
