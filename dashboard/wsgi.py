"""The WSGI entry point for gunicorn: ``gunicorn -c docker/gunicorn.conf.py dashboard.wsgi:app``."""

from dashboard import create_app

app = create_app()
