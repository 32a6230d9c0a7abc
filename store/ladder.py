"""The escalation ladder: grid worker → grid leader → community → street → district.

A breached clock (accept 15 min, first reply 30 min, resolve 24 h) lifts a ticket one tier,
once per clock; staff can escalate by hand (上报), transfer to a functional department
(分流移交), urge (督办) and extend once (延期). 小事不出网格、大事不出社区.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session, selectinload

from store import bulk, notices, owners
from store.models import Area, Staff, Ticket, TicketEvent
from store.registry import OPEN_STATES, TO_ACCEPT, root_area
from store.sla import SlaPolicy
from store.tickets import (TicketError, alert_leader, hand_to, hears_handed_away,
                           notify_resident, notify_staff, record_event, require, require_hand,
                           tell_owner)
from store.vocab import china_time

TIERS, TOP, ROLES = owners.TIERS, owners.TOP, owners.ROLES
# A batch's grids up to their street (the tiers' areas) and residents, a query each.
WHAT_ESCALATION_READS = (
    selectinload(Ticket.grid).selectinload(Area.parent).selectinload(Area.parent),
    selectinload(Ticket.resident), selectinload(Ticket.assignee))
SUPERVISORS = ("grid_leader", "community", "street", "district", "admin")
CLOCKS = (  # (breach marker, due column, states in which the clock runs, Chinese name)
    ("accept_breached_at", "accept_by", TO_ACCEPT, "接单"),
    ("reply_breached_at", "first_reply_by", OPEN_STATES, "首次回复"),
    ("resolve_breached_at", "resolve_by", OPEN_STATES, "办结"),
)


def escalate(session: Session, ticket: Ticket, now: datetime, *, reason: str,
             by: Staff | None = None) -> None:
    """Lift the ticket one tier (skipping tiers with nobody on duty) and tell everyone."""
    escalate_many(session, [ticket], now, reason=reason, by=by)


def escalate_many(session: Session, tickets: list[Ticket], now: datetime, *, reason: str,
                  by: Staff | None = None, at_least: int = 0) -> None:
    """escalate() for each ticket, with the look-ups and inserts done once for the batch;
    `at_least`: the lowest level it lands at (a service nobody takes goes to the community,
    2)."""
    for ticket in tickets:
        require(ticket, "上报", *OPEN_STATES)
        if ticket.escalation_level >= TOP or ticket.tier == "department":
            raise TicketError(f"工单 {ticket.number} 已在最高层级，请直接督办")
        if ticket.kind == "praise":
            raise TicketError(f"工单 {ticket.number} 是表扬，无需上报")
    if not tickets:
        return
    events, messages = [], []
    with session.no_autoflush:  # one flush for the batch, in bulk.write
        tiers = owners.Ladder(session, tickets, now)
        for ticket in tickets:
            owner = tiers.owner(ticket.grid, min(TOP, max(ticket.escalation_level + 1,
                                                          at_least)))
            handler, area, before = owner.staff, owner.area, ticket.assignee
            ticket.escalation_level, ticket.tier, ticket.area = owner.level, owner.tier, area
            if handler is not None:
                ticket.assignee = handler
            if ticket.status == "new" and handler is not None:
                ticket.status = "assigned"
            events.append(bulk.event(ticket, "escalated", now, actor="staff" if by else "system",
                                     staff=by, body=reason, tier=ticket.tier, area=area.name,
                                     assignee=handler.name if handler else None))
            if owner.why:
                events.append(bulk.event(ticket, "passed_over", now, body=owner.why,
                                         public=False, told=handler.name if handler else None))
            messages += bulk.to_staff(ticket, handler, "escalated", notices.assigned(
                ticket, now, reason=f"【上报】{reason}", owner=True), now)
            if hears_handed_away(ticket, before, by):
                messages += bulk.to_staff(ticket, before, "handed_away",
                                          notices.handed_away(ticket, "已上报给"), now)
            if ticket.urgency == "emergency":
                for other in owner.others:
                    messages += bulk.to_staff(ticket, other, "escalated", notices.assigned(
                        ticket, now, reason=f"【上报】{reason}"), now)
            messages += bulk.to_resident(ticket, "escalated",
                                         notices.escalated(ticket), now)
    bulk.write(session, events, messages)
    for ticket in tickets:  # a timeline read later in this session must show the new event
        session.expire(ticket, ["events"])


def transfer(session: Session, ticket: Ticket, department: str, now: datetime, *,
             by: Staff, policy: SlaPolicy = SlaPolicy()) -> None:
    """分流移交: hand the ticket to a functional department, which accepts it (部门接单)
    within a fresh accept clock: it was not late for a matter it has just been given."""
    require(ticket, "转办", *OPEN_STATES)
    if not department.strip():
        raise TicketError(f"请选择要转办的部门，例如：转 {ticket.number} 城管")
    named = owners.department_named(session, department)
    if named is None:
        raise TicketError(f"没有找到部门“{department.split()[0][:12]}”。可转办的部门："
                          f"{'、'.join(owners.departments(session)) or '（尚未设置）'}，"
                          f"例如：转 {ticket.number} 城管 占道经营")
    department, why = named
    handler = owners.department_handler(session, department)
    ticket.tier, ticket.department = "department", department
    ticket.status = "assigned"
    ticket.accept_by = now + policy.clock_for(ticket.urgency).accept
    ticket.accept_breached_at = None
    record_event(session, ticket, "transferred", now, actor="staff", staff=by,
                 body=f"{department}（{why}）" if why else department)
    hand_to(session, ticket, owners.find_owner(session, ticket, now, first=handler), now, by=by,
            reason=f"【转办】{by.name}移交" + (f"：{why}" if why else ""), purpose="transferred")
    notify_resident(session, ticket, "transferred", notices.transferred(ticket, department), now)


def place(session: Session, ticket: Ticket, grid: Area, now: datetime, *,
          by: Staff | None = None, how: str = "agent") -> Staff | None:
    """Put a ticket waiting in the pool (or not yet taken) into a grid: its worker, or the
    first reachable person up from there, owns it and is told; so is the resident."""
    require(ticket, "派往网格", *TO_ACCEPT)
    if grid.level != "grid":
        raise TicketError("请选择一个网格")
    if ticket.grid_id == grid.id and ticket.tier == "grid":
        raise TicketError(f"工单 {ticket.number} 已在{grid.name}")
    ticket.grid, ticket.area, ticket.tier, ticket.escalation_level = grid, grid, "grid", 0
    record_event(session, ticket, "placed", now, actor="staff" if by else "resident", staff=by,
                 body=grid.name, how=how)
    owner = hand_to(session, ticket, owners.find_owner(session, ticket, now), now, by=by,
                    reason="【派往网格】" if by else "新工单")
    if ticket.urgency == "emergency":  # in a grid now: its leader is woken too, as at opening
        alert_leader(session, ticket, now)
    if by is not None:  # placed by the resident's own words: the passive reply says where
        notify_resident(session, ticket, "placed", notices.placed(ticket, grid), now)
    return owner


def urge(session: Session, ticket: Ticket, now: datetime, *, by: Staff,
         note: str = "") -> None:
    """督办: the handler is pushed again."""
    require(ticket, "督办", *OPEN_STATES)
    if by.role not in SUPERVISORS:
        raise TicketError("只有网格长及以上可以督办")
    ticket.urge_count += 1
    record_event(session, ticket, "urged", now, actor="staff", staff=by, body=note,
                 public=False)
    tell_owner(session, ticket, "urged",
                 notices.staff_update(ticket, f"【督办】{by.name}", note or ticket.description),
                 now)


def extend(session: Session, ticket: Ticket, now: datetime, *, by: Staff, reason: str,
           hours: int = 24) -> None:
    """延期: once per ticket, by a supervisor, with a reason. Granting a request with a bare
    "同意" gives the resident the reason the handler asked with, and the hours asked for."""
    require(ticket, "延期", *OPEN_STATES)
    if by.role not in SUPERVISORS:
        raise TicketError("只有网格长及以上可以批准延期")
    if ticket.extended_at is not None:
        raise TicketError(f"工单 {ticket.number} 已延期过一次，不能再次延期")
    asked = extension_asked(ticket)
    if asked is not None and APPROVAL.fullmatch(reason):
        reason, hours = asked.body, asked.data.get("hours", hours)
    if not reason.strip() or not 1 <= hours <= 24 * 30:
        raise TicketError("延期需要填写原因，时长 1 小时到 30 天")
    ticket.extended_at, ticket.extension_reason = now, reason
    ticket.resolve_by = max(ticket.resolve_by, now) + timedelta(hours=hours)
    ticket.resolve_breached_at = None
    record_event(session, ticket, "extended", now, actor="staff", staff=by, body=reason,
                 hours=hours)
    notify_resident(session, ticket, "extended", notices.extended(ticket, reason), now)
    if ticket.assignee is not None and ticket.assignee.id != by.id:  # who asked, or holds it
        notify_staff(session, ticket, ticket.assignee, "extended", notices.staff_update(
            ticket, f"延期已批准（{by.name}）", f"{reason}（延长 {hours} 小时）",
            f"请在 {china_time(ticket.resolve_by)} 前办结。"), now)


# "同意", "批准延期": an approval that says nothing to the resident of its own
APPROVAL = re.compile(r"\s*(?:同意|批准|准了|准予|可以|好的?|行)(?:延期|申请)?(?:了|吧)?[。！!\s]*")


def extension_asked(ticket: Ticket) -> TicketEvent | None:
    """The handler's request for more time that waits for a supervisor, if any."""
    if ticket.extended_at is not None:
        return None
    return next((e for e in reversed(ticket.events) if e.action == "extension_requested"),
                None)


def request_extension(session: Session, ticket: Ticket, now: datetime, *, by: Staff,
                      reason: str, hours: int = 24) -> Staff | None:
    """申请延期: a handler who may not extend asks the first reachable supervisor above them
    (the grid leader for a grid worker), who approves with extend(). Returns who was asked."""
    require(ticket, "申请延期", *OPEN_STATES)
    require_hand(ticket, by, "申请延期")
    if ticket.extended_at is not None:
        raise TicketError(f"工单 {ticket.number} 已延期过一次，不能再次延期")
    if not reason.strip() or not 1 <= hours <= 24 * 30:
        raise TicketError("申请延期需要填写原因，时长 1 小时到 30 天")
    level = min(max(owners.ROLE_LEVEL.get(by.role, 0) + 1, 1), TOP)
    approver = owners.Ladder(session, [ticket], now).owner(ticket.grid, level).staff
    record_event(session, ticket, "extension_requested", now, actor="staff", staff=by,
                 body=reason, public=False, hours=hours,
                 told=approver.name if approver else None)
    notify_staff(session, ticket, approver, "extension_requested", notices.staff_update(
        ticket, f"【申请延期】{by.name}", f"{reason}（申请延长 {hours} 小时）",
        "请打开工单批准延期，或在工作台办理。"), now)
    return approver


def sweep(session: Session, now: datetime, batch: int = 500) -> int:
    """Escalate every ticket whose clock has run out, once per clock, in the caller's
    transaction (see claim_breaches)."""
    escalated = 0
    for marker, due, states, name in CLOCKS:
        marker_col, due_col = getattr(Ticket, marker), getattr(Ticket, due)
        candidates = (select(Ticket.id).where(Ticket.status.in_(states), due_col < now,
                                              marker_col.is_(None), Ticket.kind != "praise")
                      .order_by(due_col).limit(batch))
        if marker == "reply_breached_at":  # a reply, however late, stops this clock
            candidates = candidates.where(Ticket.first_reply_at.is_(None))
        claimed = claim_breaches(session, Ticket, marker_col, candidates, now)
        escalated += escalate_breached(session, claimed, now, reason=f"超过{name}时限")
    return escalated


def claim_breaches(session: Session, model, marker_col, candidates, now: datetime) -> list[int]:
    """The ids of `model` rows (selected by `candidates`) whose clock ran out, marked as
    breached now. Marking is one UPDATE that only succeeds while the marker is empty, so a
    second sweep (on this machine or another) finds nothing left to do; on PostgreSQL rows
    another sweep holds are skipped. Serves the tickets' clocks and the service orders'
    claim clock alike."""
    if session.bind.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.scalars(candidates))
    if not ids:
        return []
    return list(session.scalars(update(model).where(and_(model.id.in_(ids),
                                                         marker_col.is_(None)))
                                .values({marker_col.key: now}).returning(model.id)))


def escalate_breached(session: Session, ticket_ids: list[int], now: datetime, *, reason: str,
                      at_least: int = 0) -> int:
    """Escalate the tickets of breached clocks together (escalate_many); one already at the
    top is marked overdue on its timeline instead. How many were handled."""
    if not ticket_ids:
        return 0
    climbing, at_top = [], []
    for ticket in session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids))
                                  .options(*WHAT_ESCALATION_READS).order_by(Ticket.id)):
        top = ticket.escalation_level >= TOP or ticket.tier == "department"
        (at_top if top else climbing).append(ticket)
    escalate_many(session, climbing, now, reason=reason, at_least=at_least)
    bulk.write(session, [bulk.event(ticket, "overdue", now, body=reason, public=False)
                         for ticket in at_top], [])
    return len(climbing) + len(at_top)
