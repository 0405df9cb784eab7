"""gunicorn settings of the production image; every value can be overridden by environment."""

import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("WEB_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
# a request sent just as its idle connection is closed is reset: browsers send it again
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
max_requests = 2000  # recycle workers now and then: bounded memory over months
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = False  # each worker builds its own app and database pool


def post_worker_init(worker):
    """The worker's app is built: keep its long-lived objects out of the collector's passes."""
    from dashboard.web.heap import settle

    settle()
