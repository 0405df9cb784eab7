#!/bin/sh
# Nightly backup of the compose deployment, run by the host's cron (README, "Deployment"):
#   30 2 * * *  /srv/antifraud/docker/nightly-backup.sh /srv/antifraud-backups
# Writes a verified archive (pg_dump, checksum, row counts) inside the app container, copies it
# to DESTINATION on the host, and deletes archives there older than KEEP_DAYS (default 14).
set -eu
DEST=${1:?usage: nightly-backup.sh DESTINATION_DIR}
KEEP_DAYS=${KEEP_DAYS:-14}
NAME="antifraud-$(date +%Y%m%d-%H%M%S).tar"
cd "$(dirname "$0")"
mkdir -p "$DEST"
docker compose exec -T app antifraud backup --output "/app/instance/$NAME"
docker compose cp "app:/app/instance/$NAME" "$DEST/$NAME"
docker compose exec -T app rm "/app/instance/$NAME"
find "$DEST" -name 'antifraud-*.tar' -mtime +"$KEEP_DAYS" -delete
echo "backup $DEST/$NAME"
