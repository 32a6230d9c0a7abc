"""Messages WeChat did not take: what was given up on, why, and a way to try again."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from bot.console import bp, roles_required
from bot.services import services
from store import outbox, scope
from store.models import Ticket


@bp.get("/deliveries")
@roles_required(*scope.SEES_EVERYTHING)
def deliveries():
    with services().db.sessions() as session:
        rows = outbox.troubled(session)
        numbers = dict(session.execute(
            Ticket.__table__.select().with_only_columns(Ticket.id, Ticket.number)
            .where(Ticket.id.in_({r.ticket_id for r in rows if r.ticket_id}))).all())
    return render_template("console/deliveries.html", rows=rows, numbers=numbers)


@bp.post("/deliveries/<int:outbox_id>/retry")
@roles_required(*scope.SEES_EVERYTHING)
def retry_delivery(outbox_id: int):
    svc = services()
    with svc.db.transaction() as session:
        again = outbox.retry(session, outbox_id)
    if again:
        svc.deliver_later([outbox_id])
        flash("已重新发送")
    else:
        flash("这条消息已发出，无需重发")
    return redirect(url_for("console.deliveries"))
