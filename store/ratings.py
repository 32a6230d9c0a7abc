"""好差评 and 回访: a resident's score closes a resolved ticket; whoever resolved it hears a
good or a bad one (never at night: store/daytime); low scores get a return visit; resolved
tickets nobody rated close by themselves."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import notices, owners
from store.models import Staff, Ticket
from store.sla import SlaPolicy
from store.tickets import (TicketError, close, notify_resident, notify_staff, record_event,
                           reopen, require, tell_owner)

AUTO_CLOSE_AFTER = timedelta(hours=72)
LOW_RATING = 2  # 1–2 of 5: a return visit follows (close_and_revisit), and the handler is told
GOOD_RATING = 4  # 4–5 of 5: the handler hears it too


def rate(session: Session, ticket: Ticket, score: int, now: datetime,
         comment: str | None = None) -> None:
    """好差评: rating a resolved ticket closes it."""
    require(ticket, "评价", "resolved")
    if not 1 <= score <= 5:
        raise TicketError("请回复 1 到 5 之间的数字")
    ticket.rating, ticket.rating_comment, ticket.rated_at = score, comment or None, now
    close(session, ticket, now, "rated", actor="resident", body=comment, rating=score)
    if score <= LOW_RATING:  # its handler hears it from us before the return visit
        tell_owner(session, ticket, "rated_low",
                   notices.rating(ticket, score, comment, good=False), now)
    elif score >= GOOD_RATING:
        pass_on_good_rating(session, ticket, now)


def pass_on_good_rating(session: Session, ticket: Ticket, now: datetime) -> None:
    """A resident's good rating, with their words, to whoever resolved the ticket (its owner
    if nobody is named); the timeline notes who was told."""
    staff = session.get(Staff, ticket.resolved_by_id) if ticket.resolved_by_id else None
    staff = staff if owners.reachable(staff) else ticket.assignee
    record_event(session, ticket, "praise_told", now, public=False,
                 told=staff.name if staff else None)
    notify_staff(session, ticket, staff, "rated_good",
                 notices.rating(ticket, ticket.rating, ticket.rating_comment, good=True), now)


def close_unrated(session: Session, now: datetime, limit: int = 1000) -> int:
    """Resolved tickets nobody rated within 72 hours close by themselves."""
    stale = session.scalars(select(Ticket).where(Ticket.status == "resolved",
                                                 Ticket.resolved_at < now - AUTO_CLOSE_AFTER)
                            .limit(limit)).all()
    for ticket in stale:
        close(session, ticket, now, "auto_closed")
    return len(stale)


def return_visits(session: Session, now: datetime, after: timedelta,
                  limit: int = 1000) -> int:
    """回访: residents who rated 1–2 are asked, a while later, whether it is fixed now."""
    due = session.scalars(select(Ticket).where(Ticket.status == "closed",
                                               Ticket.rating <= LOW_RATING,
                                               Ticket.return_visit_at.is_(None),
                                               Ticket.rated_at < now - after).limit(limit)).all()
    for ticket in due:
        ticket.return_visit_at = now
        record_event(session, ticket, "return_visit", now)
        if ticket.resident is not None and not ticket.resident.state:
            # the answer may come in words (还是没解决 / 解决了): see handlers.followup
            ticket.resident.state = {"awaiting": "return_visit", "ticket": ticket.number}
        notify_resident(session, ticket, "return_visit", notices.return_visit(ticket), now)
    return len(due)


def answer_return_visit(session: Session, ticket: Ticket, now: datetime, *, fixed: bool,
                        words: str, policy: SlaPolicy = SlaPolicy()) -> None:
    """The resident's words answering a 回访: fixed closes the visit, not fixed reopens."""
    resident = ticket.resident
    if resident is not None and resident.state.get("ticket") == ticket.number:
        resident.state = {}
    if not fixed:
        reopen(session, ticket, now, words, policy)
        return
    record_event(session, ticket, "return_visit_answer", now, actor="resident", body=words,
                 fixed=True)
