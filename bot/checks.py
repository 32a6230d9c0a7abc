"""Periodic checks the clock runs besides the SLA sweep (see bot/cron.py)."""
from __future__ import annotations

import logging

from bot.services import services

log = logging.getLogger(__name__)


def repair_unreachable_owners() -> dict:
    """Every open ticket's owner must be someone a push reaches: hand the others to the next
    reachable person up the ladder; report, loudly, those that reach nobody at all."""
    from store import orphans
    svc = services()
    with svc.changing() as session:
        checked = orphans.repair_unreachable_owners(session, svc.now())
    if checked.repaired:
        log.warning("handed %d tickets whose owner could not be reached to a new owner: %s",
                    len(checked.repaired), ", ".join(checked.repaired[:20]))
    if checked.unreachable:
        log.error("%d open tickets reach nobody (no staff with WeChat on their ladder): %s",
                  len(checked.unreachable), ", ".join(checked.unreachable[:20]))
    return {"repaired": len(checked.repaired), "unreachable": len(checked.unreachable)}
