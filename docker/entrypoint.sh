#!/bin/sh
# Start-up of the production image: migrate (once, under a database lock, so several
# replicas starting together are safe), then serve with gunicorn, or run the command given.
# The gunicorn config is the one beside this script (/app/docker in the image); tests run
# this same script from the repository.
set -e
antifraud init-db
if [ "$#" -gt 0 ]; then
  exec "$@"
fi
exec gunicorn -c "$(dirname "$0")/gunicorn.conf.py" dashboard.wsgi:app
