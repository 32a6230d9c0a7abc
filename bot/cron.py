"""The clock process's schedule, read by `rq cron bot.cron` (see the Procfile)."""
import os

from rq import cron

from bot.jobs import requeue_stale_outbox

QUEUE = os.environ.get("QUEUE_NAME", "griddesk")

cron.register(requeue_stale_outbox, queue_name=QUEUE, interval=60)
