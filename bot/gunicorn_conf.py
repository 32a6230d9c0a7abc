"""gunicorn settings for `make run` (the Procfile's web line: `--config python:bot.gunicorn_conf`;
its --bind, --workers and --access-logfile come from the Procfile).

Threads (gthread): a connection that trickles its headers holds one thread, not a whole
worker process, so a few slow clients cannot starve the web server as they starve sync
workers. In production put a reverse proxy (nginx) in front anyway: it buffers whole requests
before gunicorn sees them (README, deployment).

The access log goes through RedactingLogger: WeChat's signatures, nonces and timestamps and
Open311 api_keys never reach a log line, and phone numbers (a console search) are masked.
The arbiter stops with the supervisor of `make run` (bot/lifecycle.py).
"""
import os

from gunicorn.glogging import Logger

from bot.lifecycle import watch_supervisor
from bot.logs import scrub

worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "16"))
logger_class = "bot.gunicorn_conf.RedactingLogger"


class RedactingLogger(Logger):
    """gunicorn's logger, with secrets in query strings and referrers blanked out and phone
    numbers masked."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: scrub(value) if isinstance(value, str) else value
                for key, value in atoms.items()}


def when_ready(server):
    watch_supervisor()  # in the arbiter: its SIGTERM is gunicorn's graceful stop
