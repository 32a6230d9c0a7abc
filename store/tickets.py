"""The ticket lifecycle: the only code that changes a ticket.

new → assigned → accepted → resolved → closed, with reopened (back to the same handler,
counted as rework 返工) and cancelled. Every change appends a TicketEvent and writes the
outbox rows it owes, in the caller's transaction, so a change and its messages commit or
vanish together. A change that is not allowed raises TicketError before touching anything.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store import daytime, inserts, notices, outbox, owners
from store.db import count_with
from store.locate import NOWHERE, Located, nearest_centre, record_place
from store.models import Area, Resident, Staff, Ticket, TicketCounter, TicketEvent
from store.registry import OPEN_STATES, TO_ACCEPT, leader_for, pick_worker, root_area
from store.sla import SlaPolicy
from store.vocab import CHINA, STATUS_NAMES

EMERGENCY_REACH_M = 20_000.0  # an emergency outside every grid: the nearest grid this close
log = logging.getLogger(__name__)


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
    emergency: dict | None = None  # an emergency's call number and name (nlp's contract)

    @classmethod
    def of(cls, result) -> Triage:
        """An nlp Classification as the store records it: an emergency goes to the department
        that answers its call (120 → 卫健, 119 → 消防…)."""
        emergency = getattr(result, "emergency", None)
        return cls(kind=result.kind, domain=result.domain, category=result.category,
                   department=emergency["department"] if emergency else result.department,
                   urgency=result.urgency, keywords=result.keywords, emergency=emergency)


def next_number(session: Session, now: datetime) -> str:
    """YYMMDD (China time) + a daily sequence of at least 4 digits: short enough to type.

    One statement: the day's row is created or counted on. On PostgreSQL it commits on its
    own (store.db.counter_engine), so concurrent messages do not queue behind the row's lock
    until each one's commit; a number whose ticket is rolled back is skipped. On SQLite,
    where one writer at a time holds the whole file, it is part of the caller's transaction.
    """
    day = now.astimezone(CHINA).strftime("%y%m%d")
    if session.bind.dialect.name != "postgresql":
        return f"{day}{session.scalar(_count_on('sqlite'), {'day': day}):04d}"
    return f"{day}{count_with(session.bind.engine, _count_on('postgresql'), {'day': day}):04d}"


@functools.cache
def _count_on(dialect_name: str):
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = TicketCounter.__table__
    return (dialect.insert(table).values(day=bindparam("day"), last=1)
            .on_conflict_do_update(index_elements=["day"], set_={"last": table.c.last + 1})
            .returning(table.c.last))


def record_event(session: Session, ticket: Ticket, action: str, now: datetime, *,
                 actor: str = "system", staff: Staff | None = None, body: str | None = None,
                 public: bool = True, **data) -> TicketEvent:
    event = TicketEvent(ticket=ticket, at=now, actor=actor, staff=staff, action=action,
                        body=body, public=public, data=data)
    session.add(event)
    return event


def notify_staff(session: Session, ticket: Ticket, staff: Staff | None, purpose: str,
                 notice: notices.Notice, now: datetime) -> None:
    """A template message to a staff member's WeChat (if bound); the console shows it anyway.
    What needs nothing of them before morning waits for it (store/daytime)."""
    if staff is not None and staff.openid:
        daytime.add(session, to_openid=staff.openid, channel="template", purpose=purpose,
                    payload=notice.as_payload(), now=now, ticket=ticket)


def notify_resident(session: Session, ticket: Ticket, purpose: str, notice: notices.Notice,
                    now: datetime) -> None:
    """Customer-service text inside the 48-hour window, the template form outside it."""
    resident = ticket.resident
    if resident is None:
        return
    outbox.add(session, to_openid=resident.openid, channel=outbox.resident_channel(resident, now),
               purpose=purpose, payload=notice.as_payload(), now=now, ticket=ticket)


def require(ticket: Ticket, action: str, *states: str) -> None:
    if ticket.status not in states:
        raise TicketError(f"工单 {ticket.number} 当前{STATUS_NAMES[ticket.status]}，不能{action}")


def open_ticket(session: Session, *, resident: Resident | None, description: str,
                triage: Triage, now: datetime, policy: SlaPolicy = SlaPolicy(),
                channel: str = "wechat", grid: Area | None = None,
                located: Located | None = None, point: tuple[float, float] | None = None,
                address: str | None = None, resident_phone: str | None = None,
                found_by: Staff | None = None) -> Ticket:
    """Open a ticket in its grid (given, located, or the resident's) and hand it to that
    grid's worker; with no grid it goes to the district pool's duty officer (值班). Either
    way someone with WeChat bound is told (see hand_to). A problem a staff member found
    (`found_by`, 巡查上报) is theirs to handle when a push reaches them."""
    grid = grid or (located.grid if located else None) or (
        resident.grid if resident is not None else None)
    pool = grid or root_area(session)
    if pool is None:
        raise TicketError("尚未配置网格，暂时无法受理")
    ticket = Ticket(number=next_number(session, now), resident=resident, grid=grid, area=pool,
                    tier="grid" if grid else pool.level, kind=triage.kind,
                    domain=triage.domain, category=triage.category,
                    department=triage.department, urgency=triage.urgency,
                    keywords=triage.keywords, description=description, status="new",
                    emergency_call=(triage.emergency or {}).get("call"),
                    emergency_name=(triage.emergency or {}).get("name"),
                    resident_phone=resident_phone, found_by=found_by,
                    channel=channel, created_at=now, escalation_level=0 if grid else 4,
                    **policy.due_times(triage.urgency, now))
    session.add(ticket)
    if located is not None or point is not None or address:
        record_place(ticket, located or NOWHERE, point=point, address=address)
    record_event(session, ticket, "created", now, staff=found_by,
                 actor="resident" if resident else ("staff" if found_by else "system"),
                 body=description, kind=triage.kind, category=triage.category,
                 urgency=triage.urgency)
    with session.no_autoflush:  # the ticket is written once, already with its owner
        owner = owners.find_owner(session, ticket, now, first=found_by)
        if triage.kind == "praise":  # to the one named, else the grid's own
            pass_on_praise(session, ticket,
                           owners.staff_named(session, description) or owner.staff, now)
        else:
            hand_to(session, ticket, owner, now, by=found_by)
        if triage.urgency == "emergency":
            alert_leader(session, ticket, now)
        if grid is None and triage.urgency == "emergency" and point is not None:
            near = nearest_centre(session, point[0], point[1], EMERGENCY_REACH_M)
            worker = pick_worker(session, near.grid) if near.found else None
            if owners.reachable(worker) and worker is not ticket.assignee:
                tell_too(session, ticket, worker, now, purpose="emergency_nearby",
                         reason="【附近紧急求助】",
                         why=f"事发地点附近：{near.grid.name}网格员{worker.name}")
    # The ticket, its events and its messages in one write (store/inserts.py); anything
    # else the caller changed goes with the flush, as before.
    inserts.write_ticket(session, ticket, session.info.get(outbox.NEW_IDS, []))
    session.flush()
    return ticket


def pass_on_praise(session: Session, ticket: Ticket, staff: Staff | None,
                   now: datetime) -> None:
    """表扬 needs no handling: it is passed on to the grid's worker (the first reachable
    person up the ladder) with the resident's words, and the ticket closes, so it never waits
    in anyone's 待办 nor counts against a grid's 办结率."""
    ticket.assignee = staff
    notify_staff(session, ticket, staff, "praise", notices.praise(ticket), now)
    close(session, ticket, now, "praise_passed_on", told=staff.name if staff else None)


SOS_CATEGORY = "紧急求助"  # 一键求助 from the menu: the danger is not named yet


def name_emergency(session: Session, ticket: Ticket, triage: Triage, now: datetime) -> None:
    """The words after 一键求助 say what the danger is ("我家着火了"): the ticket takes its
    category, number to call and department, so its owner reads what to do."""
    emergency = triage.emergency or {}
    record_event(session, ticket, "note", now, actor="system", public=False,
                 body=f"居民说明险情：{emergency.get('name') or triage.category}"
                      f"（{emergency.get('call') or '—'}）")
    ticket.domain, ticket.category, ticket.department = (triage.domain, triage.category,
                                                         triage.department)
    ticket.emergency_call, ticket.emergency_name = emergency.get("call"), emergency.get("name")


def alert_leader(session: Session, ticket: Ticket, now: datetime) -> None:
    """An emergency reaches the grid leader at once as well as the grid worker."""
    leader = leader_besides_owner(session, ticket)
    if leader is not None:
        tell_too(session, ticket, leader, now, purpose="emergency",
                 reason=f"【{ticket.emergency_name or ticket.category}】")


def leader_besides_owner(session: Session, ticket: Ticket) -> Staff | None:
    """The ticket's grid leader, when a push reaches them and they do not hold it already."""
    leader = leader_for(session, ticket.grid) if ticket.grid else None
    return leader if owners.reachable(leader) and leader is not ticket.assignee else None


def tell_too(session: Session, ticket: Ticket, staff: Staff, now: datetime, *, purpose: str,
             reason: str, why: str | None = None) -> None:
    """Push an emergency to someone besides its owner, and say so on the timeline."""
    record_event(session, ticket, "told", now, public=False, told=staff.name,
                 body=why or f"紧急求助同时推送给{owners.who(staff)}")
    notify_staff(session, ticket, staff, purpose, notices.assigned(ticket, now, reason=reason),
                 now)


def hand_to(session: Session, ticket: Ticket, owner: owners.Owner, now: datetime, *,
            by: Staff | None = None, reason: str = "新工单",
            purpose: str = "ticket_assigned") -> Staff | None:
    """Make `owner` the ticket's handler and push it to them: the owner is always someone a
    push reaches. When someone was passed over (no WeChat, nobody on duty) the ticket moves
    to the tier that holds it now and the timeline says who was told and why. An emergency
    at the district tier goes to every duty officer at once."""
    if owner.why:
        if owner.area is not None and owner.level > ticket.escalation_level \
                and ticket.tier != "department":
            ticket.escalation_level, ticket.tier, ticket.area = owner.level, owner.tier, owner.area
        record_event(session, ticket, "passed_over", now, body=owner.why, public=False,
                     told=owner.staff.name if owner.staff else None)
    if owner.staff is None:
        log.error("ticket %s reaches nobody: %s", ticket.number, owner.why)
        return None
    assign_to(session, ticket, owner.staff, now, by=by, reason=reason, purpose=purpose)
    if ticket.urgency == "emergency":
        for other in owner.others:
            tell_too(session, ticket, other, now, purpose=purpose, reason=reason)
    return owner.staff


def assign(session: Session, ticket: Ticket, staff: Staff, now: datetime,
           by: Staff | None = None) -> Staff | None:
    """Give the ticket to a person an agent chose (the resident is told who has it); one
    without WeChat is passed over for the first reachable person up the ladder. Returns who
    holds it now."""
    require(ticket, "分派", "new", "assigned", "accepted", "reopened")
    holder = hand_to(session, ticket, owners.find_owner(session, ticket, now, first=staff), now,
                     by=by)
    if holder is not None and by is not None:
        notify_resident(session, ticket, "assigned_to", notices.handed(ticket, holder), now)
    return holder


def assign_to(session: Session, ticket: Ticket, staff: Staff, now: datetime, *,
              by: Staff | None = None, reason: str = "新工单",
              purpose: str = "ticket_assigned") -> None:
    require(ticket, "分派", "new", "assigned", "accepted", "reopened")
    before, ticket.assignee = ticket.assignee, staff
    tell_handed_away(session, ticket, before, now, by=by)
    if ticket.status == "new":
        ticket.status = "assigned"
    record_event(session, ticket, "assigned", now, actor="staff" if by else "system", staff=by,
                 public=False, assignee_id=staff.id, assignee=staff.name)
    if staff is by and ticket.found_by is staff:  # a finding of their own patrol: they know
        return
    notify_staff(session, ticket, staff, purpose, notices.assigned(
        ticket, now, reason=reason, photos=photo_count(ticket), owner=True), now)


def hears_handed_away(ticket: Ticket, before: Staff | None, by: Staff | None) -> bool:
    """Whether the person a ticket was just taken from is told who holds it now: not when it
    stayed with them, not when they handed it on themselves (their own reply says so), not
    when no push reaches them any more."""
    return before not in (None, ticket.assignee, by) and owners.reachable(before)


def tell_handed_away(session: Session, ticket: Ticket, before: Staff | None, now: datetime, *,
                     by: Staff | None = None, verb: str = "已转交给", done: str = "") -> None:
    if hears_handed_away(ticket, before, by):
        notify_staff(session, ticket, before, "handed_away",
                     notices.handed_away(ticket, verb, done), now)


def require_hand(ticket: Ticket, staff: Staff | None, action: str) -> None:
    """Someone whose ticket was lifted above them (上报, the ladder's clock, 转办 to a
    department) no longer takes it, resolves it or asks for its time as its handler: they
    are told who holds it now. Peers and the people above the holder still may; anyone in
    scope may still answer the resident, 上报 or 转办 (what they know still helps)."""
    holder = ticket.assignee
    if staff is None or holder is None or holder is staff or ticket.status not in OPEN_STATES:
        return
    mine, theirs = owners.ROLE_LEVEL.get(staff.role), owners.ROLE_LEVEL.get(holder.role)
    if mine is None or theirs is None or mine >= theirs:
        return
    raise TicketError(f"工单 {ticket.number} 已转交{notices.now_held_by(ticket)}处理，"
                      f"您无需再{action}。如有新情况，请直接联系{holder.name}。")


def photo_count(ticket: Ticket) -> int:
    """Pictures the resident sent (none yet on a ticket being opened: no query then)."""
    if ticket.id is None:
        return 0
    return sum(1 for e in ticket.events if e.action == "resident_message"
               and (e.data or {}).get("type") == "image")


def tell_owner(session: Session, ticket: Ticket, purpose: str, notice: notices.Notice,
               now: datetime) -> None:
    """notify_staff to the ticket's owner; an owner no push reaches any more (unbound,
    deactivated, moved) is replaced first, up the ladder."""
    if ticket.status in OPEN_STATES and not owner_reachable(ticket):
        rehome(session, ticket, now)
    notify_staff(session, ticket, ticket.assignee, purpose, notice, now)


def owner_reachable(ticket: Ticket) -> bool:
    staff = ticket.assignee
    return owners.reachable(staff) and owners.covers(staff, ticket)


def rehome(session: Session, ticket: Ticket, now: datetime) -> Staff | None:
    """Find the ticket a new owner because its owner cannot be reached; the timeline says so
    (once: a ticket that reaches nobody is not re-noted on every check)."""
    owner, gone = owners.find_owner(session, ticket, now), ticket.assignee
    if owner.staff is None and any(e.action == "passed_over" and not e.data.get("told")
                                   for e in ticket.events[-2:]):
        return None
    if gone is not None:
        why = owners.why_not(gone) if not owners.reachable(gone) else "已调离"
        record_event(session, ticket, "owner_unreachable", now, public=False,
                     body=f"原处理人{owners.who(gone)}{why}")
    return hand_to(session, ticket, owner, now, reason="【改派】原处理人无法接收")


def accept(session: Session, ticket: Ticket, staff: Staff, now: datetime, *,
           tell: bool = True) -> None:
    """接单 (or 部门接单): whoever accepts becomes the handler. `tell=False`: the resident
    hears in the same breath from what follows (placing a service order replies at once)."""
    require_hand(ticket, staff, "接单")  # taken by someone above: who has it, first
    require(ticket, "接单", *TO_ACCEPT)
    before, ticket.assignee = ticket.assignee, staff
    ticket.status = "accepted"
    # the one it was pushed to (a leader took an emergency first) need not go any more
    tell_handed_away(session, ticket, before, now, by=staff, verb="已由", done="接单")
    if ticket.accepted_at is None:
        ticket.accepted_at, ticket.accepted_by_id = now, staff.id
    record_event(session, ticket, "accepted", now, actor="staff", staff=staff)
    if tell:
        notify_resident(session, ticket, "accepted", notices.accepted(ticket, staff), now)


def book(session: Session, ticket: Ticket, staff: Staff, now: datetime, *, due: datetime,
         answer: str | None = None) -> None:
    """The handler books a service for the matter (store.service_orders.place): it is taken
    on (accepted, if not yet), `answer` is the resident's reply (none to give: placing it is
    the answer), and the matter is due once the booked service is over: the resolve clock
    moves later, never earlier."""
    if ticket.status in TO_ACCEPT:
        accept(session, ticket, staff, now, tell=False)
    if answer and ticket.resident is not None:
        reply(session, ticket, staff, answer, now)
    ticket.first_reply_at = ticket.first_reply_at or now
    if due > ticket.resolve_by:
        ticket.resolve_by, ticket.resolve_breached_at = due, None


def reply(session: Session, ticket: Ticket, staff: Staff, text: str, now: datetime) -> None:
    """A reply to the resident (the first one stops the 30-minute clock)."""
    require(ticket, "回复", *OPEN_STATES, "resolved")
    if not text.strip():
        raise TicketError("回复内容不能为空")
    ticket.first_reply_at = ticket.first_reply_at or now
    record_event(session, ticket, "replied", now, actor="staff", staff=staff, body=text)
    notify_resident(session, ticket, "replied", notices.replied(ticket, staff, text), now)


def add_note(session: Session, ticket: Ticket, staff: Staff, text: str, now: datetime) -> None:
    if not text.strip():
        raise TicketError("备注内容不能为空")
    record_event(session, ticket, "note", now, actor="staff", staff=staff, body=text,
                 public=False)


def add_resident_message(session: Session, ticket: Ticket, now: datetime, *,
                         text: str | None = None, tell: bool = True, title: str = "居民补充",
                         remark: str = "", leader_too: bool = False, **attachment) -> None:
    """A resident's follow-up (text, picture, location) joins the ticket's timeline and is
    pushed to its owner (as `title`, with `remark` for the next step if given), and with
    `leader_too` to the grid leader an emergency alerted (an alarm stood down); small talk
    (`tell=False`: 谢谢, 好的) only joins the timeline."""
    require(ticket, "补充", *OPEN_STATES)
    record_event(session, ticket, "resident_message", now, actor="resident", body=text,
                 **attachment, **({} if tell else {"small_talk": True}))
    if not tell:
        return
    what = text or {"image": "[图片]", "location": "[位置]"}.get(attachment.get("type"), "[附件]")
    notice = notices.staff_update(ticket, title, what, remark)
    tell_owner(session, ticket, "resident_message", notice, now)
    if leader_too and ticket.urgency == "emergency":  # the leader alert_leader woke
        notify_staff(session, ticket, leader_besides_owner(session, ticket),
                     "resident_message", notice, now)


def resolve(session: Session, ticket: Ticket, staff: Staff, note: str, now: datetime, *,
            evidence: list[int] = ()) -> None:
    """办结: the resident is told the result and asked for a rating. `evidence`: the ids of
    the photos of the finished work (a patrol ticket needs at least one)."""
    require(ticket, "办结", "assigned", "accepted", "reopened")
    require_hand(ticket, staff, "办结")
    if not note.strip():
        raise TicketError("请填写办结说明，例如：办结 工单号 已更换灯泡")
    if ticket.channel == "patrol" and not evidence:
        raise TicketError(f"巡查上报的工单 {ticket.number} 办结时需附至少一张现场照片，"
                          "请在微信中直接发送现场照片，或在工单页面上传照片后办结")
    if ticket.accepted_at is None:
        ticket.accepted_at, ticket.accepted_by_id = now, staff.id
    ticket.first_reply_at = ticket.first_reply_at or now
    ticket.status = "resolved"
    ticket.resolved_at, ticket.resolved_by_id = now, staff.id
    ticket.assignee = ticket.assignee or staff
    record_event(session, ticket, "resolved", now, actor="staff", staff=staff, body=note,
                 **({"photo_ids": list(evidence)} if evidence else {}))
    notify_resident(session, ticket, "resolved", notices.resolved(ticket, staff, note), now)
    if ticket.resident is not None:
        ticket.resident.state = {"awaiting": "rating", "ticket": ticket.number}


def close(session: Session, ticket: Ticket, now: datetime, action: str, **event) -> None:
    ticket.status = "closed"
    ticket.closed_at = now
    record_event(session, ticket, action, now, **event)
    resident = ticket.resident
    if resident is not None and resident.state.get("ticket") == ticket.number:
        resident.state = {}


def reopen(session: Session, ticket: Ticket, now: datetime, reason: str | None = None,
           policy: SlaPolicy = SlaPolicy(), by: Staff | None = None) -> None:
    """未解决: back to the same handler with fresh accept and resolve clocks (the handler
    takes it again, 接单, as the push asks; the first accept clock, long run out, must not
    lift it up the ladder a minute later); counted as rework. By the resident (WeChat), or
    by a staff member from the console (`by`)."""
    require(ticket, "重新办理", "resolved", "closed")
    ticket.status = "reopened"
    ticket.reopen_count += 1
    ticket.resolved_at = ticket.closed_at = None
    clock = policy.clock_for(ticket.urgency)
    ticket.accept_by, ticket.accept_breached_at = now + clock.accept, None
    ticket.resolve_by = now + clock.resolve
    ticket.resolve_breached_at = None
    record_event(session, ticket, "reopened", now, actor="staff" if by else "resident",
                 staff=by, body=reason)
    tell_owner(session, ticket, "reopened",
                 notices.staff_update(ticket, "【返工】居民反映未解决", reason or "居民反映问题仍未解决",
                                      f"请回复「接单 {ticket.number}」重新办理。"), now)
    if ticket.resident is not None and ticket.resident.state.get("ticket") == ticket.number:
        ticket.resident.state = {}


def cancel(session: Session, ticket: Ticket, now: datetime) -> None:
    """The resident withdraws a ticket nobody has accepted yet."""
    require(ticket, "取消（已有人接单的工单请联系网格员）", "new", "assigned")
    ticket.status = "cancelled"
    ticket.closed_at = now
    record_event(session, ticket, "cancelled", now, actor="resident")
    notify_staff(session, ticket, ticket.assignee, "cancelled",
                 notices.staff_update(ticket, "居民已取消工单", ticket.description, "无需处理。"),
                 now)


def by_number(session: Session, number: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.number == number.strip()))
