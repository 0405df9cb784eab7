#!/bin/sh
# Start-up of the production image: migrate (once, under a database lock, so several
# replicas starting together are safe), then serve with gunicorn, or run the command given.
set -e
antifraud init-db
if [ "$#" -gt 0 ]; then
  exec "$@"
fi
exec gunicorn -c /app/docker/gunicorn.conf.py dashboard.wsgi:app
