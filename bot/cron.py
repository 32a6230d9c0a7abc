"""The clock process's schedule, read by `rq cron bot.cron` (see the Procfile)."""
import os

from rq import cron

from bot.checks import repair_unreachable_owners
from bot.wechat.jobs import (close_and_revisit, fetch_pending_photos, reprocess_stuck_inbound,
                             requeue_stale_outbox, sweep_sla)

QUEUE = os.environ.get("QUEUE_NAME", "griddesk")

cron.register(sweep_sla, queue_name=QUEUE, interval=60)
cron.register(requeue_stale_outbox, queue_name=QUEUE, interval=60)
cron.register(reprocess_stuck_inbound, queue_name=QUEUE, interval=60)
cron.register(close_and_revisit, queue_name=QUEUE, interval=600)
cron.register(fetch_pending_photos, queue_name=QUEUE, interval=600)
cron.register(repair_unreachable_owners, queue_name=QUEUE, interval=300)
