# fair — one image for every app instance. Media (WebRTC) needs UDP: see docker-compose.yml.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# Dependencies come from the lock (exact versions, hashes checked) in a layer of their own,
# so a release upstream cannot change the image; then fair itself without resolving again.
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY fair ./fair
COPY booths ./booths
COPY sessions ./sessions
COPY static ./static
RUN pip install --no-cache-dir --no-deps .
RUN useradd --create-home fair && mkdir -p /app/media && chown fair /app/media
USER fair
EXPOSE 8000
CMD ["fair", "serve", "--host", "0.0.0.0"]
