# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# gettext: compilemessages at build time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
# The locked runtime dependencies, each checked against its hash; PYTHONPATH=/app makes the source
# tree (with templates/, static/ and locale/ next to it) the copy that is imported.
RUN pip install --require-hashes --no-deps -r requirements/base.txt

# Static files and message catalogues are baked into the image. Importing the settings needs
# these variables; nothing connects to them during the build.
RUN SECRET_KEY=build-only \
    DATABASE_URL=postgres://build@localhost/build \
    REDIS_URL=redis://localhost:6379/0 \
    DJANGO_SETTINGS_MODULE=cs_platform.settings.production \
    sh -c "python manage.py collectstatic --noinput && python manage.py compilemessages"

RUN useradd --create-home --uid 1000 junkan \
    && mkdir -p /app/media \
    && chown junkan:junkan /app/media
USER junkan

ENV DJANGO_SETTINGS_MODULE=cs_platform.settings.production
EXPOSE 8000
CMD ["gunicorn", "cs_platform.wsgi", "--config", "deploy/gunicorn.conf.py"]
