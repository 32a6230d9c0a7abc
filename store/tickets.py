"""The ticket lifecycle: the only code that changes a ticket.

Every change appends a TicketEvent and writes the outbox rows it owes, in the caller's
transaction, so a change and its messages commit or vanish together.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store import notices, outbox
from store.models import Area, Resident, Staff, Ticket, TicketCounter, TicketEvent
from store.registry import pick_assignee, root_area
from store.sla import SlaPolicy
from store.vocab import CHINA


class TicketError(Exception):
    """A change that is not allowed; the message is Chinese and safe to show."""


@dataclass(frozen=True)
class Triage:
    """What the NLP decided about a message, as the store records it."""

    kind: str
    domain: str = "其他"
    category: str = "其他"
    department: str | None = None
    urgency: str = "normal"
    keywords: dict = field(default_factory=dict)


def next_number(session: Session, now: datetime) -> str:
    """YYMMDD (China time) + a daily sequence of at least 4 digits: short enough to type."""
    day = now.astimezone(CHINA).strftime("%y%m%d")
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(TicketCounter).values(day=day, last=0)
                    .on_conflict_do_nothing(index_elements=["day"]))
    last = session.scalar(update(TicketCounter).where(TicketCounter.day == day)
                          .values(last=TicketCounter.last + 1).returning(TicketCounter.last))
    return f"{day}{last:04d}"


def record_event(session: Session, ticket: Ticket, action: str, now: datetime, *,
                 actor: str = "system", staff: Staff | None = None, body: str | None = None,
                 public: bool = True, **data) -> TicketEvent:
    event = TicketEvent(ticket=ticket, at=now, actor=actor, staff=staff, action=action,
                        body=body, public=public, data=data)
    session.add(event)
    return event


def notify_staff(session: Session, ticket: Ticket, staff: Staff, purpose: str,
                 message: notices.Notice, now: datetime) -> None:
    """A template message to a staff member's WeChat (if bound); the console shows it anyway."""
    if staff.openid:
        outbox.add(session, to_openid=staff.openid, channel="template", purpose=purpose,
                   payload=message.as_payload(), now=now, ticket_id=ticket.id)


def notify_resident(session: Session, ticket: Ticket, purpose: str, text: str,
                    now: datetime) -> None:
    if ticket.resident is not None:
        outbox.add(session, to_openid=ticket.resident.openid, channel="customer_service",
                   purpose=purpose, payload={"text": text}, now=now, ticket_id=ticket.id)


def open_ticket(session: Session, *, resident: Resident | None, description: str,
                triage: Triage, now: datetime, policy: SlaPolicy = SlaPolicy(),
                channel: str = "wechat", grid: Area | None = None) -> Ticket:
    """Open a ticket in the resident's grid and hand it to that grid's worker."""
    grid = grid or (resident.grid if resident is not None else None)
    pool = grid or root_area(session)
    if pool is None:
        raise TicketError("尚未配置网格，暂时无法受理")
    ticket = Ticket(number=next_number(session, now), resident=resident, grid=grid, area=pool,
                    tier="grid" if grid else pool.level, kind=triage.kind,
                    domain=triage.domain, category=triage.category,
                    department=triage.department, urgency=triage.urgency,
                    keywords=triage.keywords, description=description, status="new",
                    channel=channel, created_at=now, **policy.due_times(triage.urgency, now))
    session.add(ticket)
    session.flush()
    record_event(session, ticket, "created", now, actor="resident" if resident else "system",
                 body=description, kind=triage.kind, category=triage.category,
                 urgency=triage.urgency)
    assignee = pick_assignee(session, grid) if grid else None
    if assignee is not None:
        assign(session, ticket, assignee, now)
    return ticket


def assign(session: Session, ticket: Ticket, staff: Staff, now: datetime,
           by: Staff | None = None) -> None:
    if ticket.status not in ("new", "assigned", "reopened"):
        raise TicketError(f"工单 {ticket.number} 当前状态不能分派")
    ticket.assignee = staff
    ticket.status = "assigned"
    record_event(session, ticket, "assigned", now, actor="staff" if by else "system", staff=by,
                 public=False, assignee_id=staff.id, assignee=staff.name)
    notify_staff(session, ticket, staff, "ticket_assigned", notices.assigned(ticket, now), now)


def by_number(session: Session, number: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.number == number.strip()))
