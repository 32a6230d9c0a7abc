"""gunicorn settings for `make run` (the Procfile's web line): stop with the supervisor."""
from bot.lifecycle import watch_supervisor


def when_ready(server):
    watch_supervisor()  # in the arbiter: its SIGTERM is gunicorn's graceful stop
