"""值班: who is on duty now at the district, street and community levels, and where nobody is
(the pool and the district tier go to the district's duty officers; see store.owners)."""
from __future__ import annotations

from flask import render_template
from flask_login import login_required

from bot.console import area_ids_in_scope, bp, me
from bot.services import services
from store.owners import duty_roster, on_duty_now, reachable


@bp.get("/duty")
@login_required
def duty():
    svc = services()
    now = svc.now()
    with svc.db.sessions() as session:
        ids = area_ids_in_scope(session, me(session))
        roster = [(area, told, everyone) for area, told, everyone in duty_roster(session, now)
                  if ids is None or area.id in ids]
        for area, _, everyone in roster:
            _ = area.parent
        return render_template("console/duty.html", roster=roster, now=now,
                               uncovered=[area for area, told, _ in roster if not told],
                               on_duty_now=on_duty_now, reachable=reachable)
