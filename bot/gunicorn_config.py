"""gunicorn's settings for `make run` (Procfile: `gunicorn --config python:bot.gunicorn_config`).

Threads (gthread): a connection that trickles its headers holds one thread, not a whole
worker process, so a few slow clients cannot starve the web server as they starve sync
workers. In production put a reverse proxy (nginx) in front anyway: it buffers whole requests
before gunicorn sees them (README, deployment).

The access log goes through RedactingLogger: WeChat's signatures, nonces and timestamps and
Open311 api_keys never reach a log line.
"""
import os

from gunicorn.glogging import Logger

from bot.logs import redact

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "16"))
accesslog = "-"
logger_class = "bot.gunicorn_config.RedactingLogger"


class RedactingLogger(Logger):
    """gunicorn's logger, with secrets in query strings and referrers blanked out."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value
                for key, value in atoms.items()}
