# The bot as an image: `storybot run` with the settings from the environment (see .env.example).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY store ./store
RUN pip install .
COPY seeds ./seeds

RUN useradd --system --home-dir /app storybot && mkdir -p /app/data && chown storybot /app/data
USER storybot

ENV SEEDS_DIR=/app/seeds
# SIGTERM stops polling, then the jobs, cleanly.
STOPSIGNAL SIGTERM
CMD ["storybot", "run"]
