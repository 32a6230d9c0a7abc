"""The service order lifecycle (办服务): 居民点单 → 网格下单 → 服务队接单 → 结果反馈 → 办结回访.

requested (a resident asked) → open (the grid placed it: published to the teams serving the
place, whose members with WeChat are pushed it) → full (enough members claimed; the resident
is told who is coming) → serving (a member checked in) → done (a member reported the result,
store.service_visits), or cancelled. An order rides on its ticket: the timeline, the resident's
messages, the escalation and the rating are the ticket's own (store.tickets, store.ladder).
An order not fully claimed within the claim clock (SlaPolicy.service_claim) goes up to the
community through the tickets' own sweep machinery (sweep_unclaimed). An emergency is never
a service order. A phone page can call these functions as the WeChat commands do.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import ladder, outbox, scope, service_notices, teams, tickets
from store.locate import Located
from store.models import Area, Resident, Staff, Ticket
from store.registry import OPEN_STATES
from store.service_models import ServiceClaim, ServiceOrder, ServicePublication, ServiceTeam
from store.sla import SlaPolicy
from store.tickets import TicketError, Triage, record_event
from store.vocab import ORDER_STATUS_NAMES, SERVICE_KINDS

KIND_BY_CATEGORY = {name: kind for kind, name in SERVICE_KINDS.items()}
DEFAULT_MINUTES = {"paperwork": 120, "escort": 180, "repair": 60, "care": 60, "other": 60}
MAX_PEOPLE, MAX_MINUTES = 20, 24 * 60
COMMUNITY = 2  # the ladder's level an unclaimed order goes up to (小事不出网格、大事不出社区)


class ServiceError(TicketError):
    """A change to a service order that is not allowed; Chinese and safe to show."""


@dataclass(frozen=True)
class Terms:
    """What the grid asks for; None keeps what the order has."""

    people: int | None = None
    minutes: int | None = None
    when: datetime | None = None
    note: str | None = None


def of_ticket(session: Session, ticket: Ticket) -> ServiceOrder | None:
    return session.scalar(select(ServiceOrder).where(ServiceOrder.ticket_id == ticket.id))


def by_number(session: Session, number: str) -> ServiceOrder | None:
    return session.scalar(select(ServiceOrder).join(Ticket)
                          .where(Ticket.number == number.strip()))


def open_request(session: Session, *, resident: Resident | None, description: str,
                 kind: str, words: tuple[str, ...], now: datetime, policy: SlaPolicy,
                 located: Located | None = None, point=None, resident_phone=None,
                 grid: Area | None = None, channel: str = "wechat") -> ServiceOrder:
    """A resident's request for a service: a ticket for the grid (its worker is pushed it
    with 「下单 …」 as the next step, store.notices.next_step) and an order waiting for it."""
    triage = Triage(kind="help", domain="民政服务", category=SERVICE_KINDS[kind],
                    department="街道/社区", urgency="normal", keywords={"service": list(words)})
    ticket = tickets.open_ticket(session, resident=resident, description=description,
                                 triage=triage, now=now, policy=policy, located=located,
                                 point=point, resident_phone=resident_phone, grid=grid,
                                 channel=channel)
    order = ServiceOrder(ticket=ticket, kind=kind, status="requested",
                         minutes_expected=DEFAULT_MINUTES[kind], created_at=now)
    session.add(order)
    session.flush()
    return order


def kind_of(ticket: Ticket) -> str:
    return KIND_BY_CATEGORY.get(ticket.category, "other")


def place(session: Session, ticket: Ticket, staff: Staff, now: datetime, *,
          terms: Terms = Terms(), policy: SlaPolicy = SlaPolicy(),
          chosen: list[ServiceTeam] | None = None) -> tuple[ServiceOrder, int]:
    """网格下单: publish the ticket's order (made now if the resident's words were not read
    as a service) to the teams serving its grid — or to `chosen` teams — and push it to
    their members; placing again republishes (after escalation, to every team of the
    community). Returns the order and how many members were pushed. With nobody to push,
    the ticket goes up to the community at once: nobody-was-told is never the end."""
    if ticket.urgency == "emergency":
        raise ServiceError("紧急求助不能作为服务需求派单，请立即处置（必要时拨打 110/119/120）。")
    tickets.require(ticket, "派单", *OPEN_STATES)
    if ticket.grid is None:
        raise ServiceError(f"工单 {ticket.number} 尚未定位到网格，请先派往网格再下单。")
    order = of_ticket(session, ticket)
    if order is None:
        order = ServiceOrder(ticket=ticket, kind=kind_of(ticket), status="requested",
                             minutes_expected=DEFAULT_MINUTES[kind_of(ticket)], created_at=now)
        session.add(order)
    if order.status not in ("requested", "open"):
        raise ServiceError(f"工单 {ticket.number} 的服务{ORDER_STATUS_NAMES[order.status]}，"
                           "不能再下单。")
    apply_terms(order, terms, now)
    widen = ticket.area if ticket.escalation_level >= COMMUNITY else None
    serving = chosen if chosen is not None else teams.serving(session, ticket.grid, widen)
    taken = {c.staff_id for c in order.active_claims}
    told = [(s, t) for s, t in teams.reachable_members(session, serving)
            if s.id not in taken and s.id != staff.id]  # the placer knows already
    if not told and (chosen is not None or ticket.escalation_level >= COMMUNITY):
        raise ServiceError("所选范围内没有已绑定微信的服务队员，请在工作台选择其他服务队发布。")
    first = order.status == "requested"
    order.status, order.placed_by = "open", staff
    order.placed_at = order.placed_at or now
    order.claim_by, order.claim_breached_at = now + policy.service_claim, None
    published = {p.team_id for p in order.publications}
    order.publications += [ServicePublication(team=t, at=now) for t in serving
                           if t.id not in published]
    record_event(session, ticket, "service_placed", now, actor="staff", staff=staff,
                 body=service_notices.terms(order), teams=[t.name for t in serving],
                 told=len(told))
    ends = (order.scheduled_at or now) + timedelta(minutes=order.minutes_expected)
    tickets.book(session, ticket, staff, now, due=ends + policy.normal.resolve,
                 answer=service_notices.placed_text(order) if first else None)
    session.flush()
    for member, _ in told:
        tell_member(session, order, member, "service_published",
                    service_notices.published(order, now), now)
    if not told:
        order.claim_breached_at = now
        ladder.escalate_many(session, [ticket], now, reason="本网格暂无可接单的服务队员",
                             at_least=COMMUNITY)
    return order, len(told)


def apply_terms(order: ServiceOrder, terms: Terms, now: datetime) -> None:
    if terms.people is not None:
        if not 1 <= terms.people <= MAX_PEOPLE:
            raise ServiceError(f"人数应为 1 到 {MAX_PEOPLE} 人")
        if terms.people < len(order.active_claims):
            raise ServiceError(f"已有 {len(order.active_claims)} 人接单，人数不能更少")
        order.people_needed = terms.people
    if terms.minutes is not None:
        if not 10 <= terms.minutes <= MAX_MINUTES:
            raise ServiceError("预计时长应在 10 分钟到 24 小时之间")
        order.minutes_expected = terms.minutes
    if terms.when is not None:
        if not now - timedelta(hours=1) <= terms.when <= now + timedelta(days=90):
            raise ServiceError("服务时间应在现在到 90 天之内")
        order.scheduled_at = terms.when
    if terms.note:
        order.note = terms.note.strip()[:500]


def tell_member(session: Session, order: ServiceOrder, member: Staff, purpose: str,
                notice, now: datetime) -> None:
    """A template push to a member; it opens the order's phone page (bot/mobile/member.py)."""
    payload = notice.as_payload()
    payload["order"] = order.ticket.number  # the message opens the member's order page
    outbox.add(session, to_openid=member.openid, channel="template", purpose=purpose,
               payload=payload, now=now, ticket=order.ticket)


def in_hand(session: Session, staff: Staff, limit: int = 10) -> list[ServiceOrder]:
    """The orders a member has taken and not finished, the soonest first."""
    return list(session.scalars(
        select(ServiceOrder).join(ServiceClaim)
        .where(ServiceClaim.staff_id == staff.id, ServiceClaim.withdrawn_at.is_(None),
               ServiceOrder.status.in_(("open", "full", "serving")))
        .order_by(ServiceOrder.scheduled_at).limit(limit)))


def waiting_for(session: Session, staff: Staff, besides: list[ServiceOrder],
                limit: int = 10) -> list[ServiceOrder]:
    """The orders published to a member's teams that still need people (not those besides),
    the nearest claim deadline first."""
    team_ids = [m.team_id for m in teams.memberships(session, staff)]
    if not team_ids:
        return []
    return list(session.scalars(
        select(ServiceOrder).join(ServicePublication)
        .where(ServicePublication.team_id.in_(team_ids), ServiceOrder.status == "open",
               ServiceOrder.id.notin_([o.id for o in besides]))
        .distinct().order_by(ServiceOrder.claim_by).limit(limit)))


def claiming_team(session: Session, order: ServiceOrder, staff: Staff) -> ServiceTeam | None:
    """The team a member claims for: one of theirs that the order was published to."""
    published = {p.team_id for p in order.publications}
    return next((m.team for m in teams.memberships(session, staff)
                 if m.team_id in published), None)


def known_to(session: Session, order: ServiceOrder, staff: Staff) -> bool:
    """Whether the order exists for this staff member: published to a team of theirs, claimed
    by them, or (anyone but a member) its ticket is in their scope."""
    return (claiming_team(session, order, staff) is not None
            or any(c.staff_id == staff.id for c in order.claims)
            or (staff.role != "member" and scope.can_see(session, staff, order.ticket)))


def claim(session: Session, order: ServiceOrder, staff: Staff, now: datetime) -> ServiceClaim:
    """接单 by a member until enough have; then the resident is told who is coming."""
    team = claiming_team(session, order, staff)
    if team is None:
        raise ServiceError(f"工单 {order.ticket.number} 的服务需求没有发布给您所在的服务队。")
    mine = next((c for c in order.claims if c.staff_id == staff.id), None)
    if mine is not None and mine.withdrawn_at is None:
        raise ServiceError(f"您已接过工单 {order.ticket.number} 的服务，"
                           f"到达后回复「签到 {order.ticket.number}」。")
    if order.status != "open":
        raise ServiceError(f"工单 {order.ticket.number} 的服务{ORDER_STATUS_NAMES[order.status]}，"
                           "感谢您的热心！")
    if mine is None:
        mine = ServiceClaim(order=order, staff=staff, team=team, claimed_at=now)
        session.add(mine)
    else:
        mine.withdrawn_at, mine.claimed_at, mine.team = None, now, team
    ticket = order.ticket
    record_event(session, ticket, "service_claimed", now, actor="staff", staff=staff,
                 public=False, body=f"{team.name}{staff.name}接单")
    if len(order.active_claims) >= order.people_needed:
        order.status, order.full_at = "full", now
        record_event(session, ticket, "service_full", now, body=service_notices.who_is_coming(
            order) + f"将于{service_notices.when(order)}上门服务")
        tickets.notify_resident(session, ticket, "service_coming",
                                service_notices.coming(order), now)
        tickets.tell_owner(session, ticket, "service_full", service_notices.full(order), now)
    session.flush()
    return mine


def withdraw(session: Session, order: ServiceOrder, staff: Staff, now: datetime,
             policy: SlaPolicy = SlaPolicy()) -> None:
    """退单 before checking in: the order waits for someone else (a fresh claim clock)."""
    mine = next((c for c in order.active_claims if c.staff_id == staff.id), None)
    if mine is None:
        raise ServiceError(f"您没有接工单 {order.ticket.number} 的服务。")
    if mine.check_in_at is not None:
        raise ServiceError(f"您已签到，不能退单；服务结束请回复「签退 {order.ticket.number}」。")
    mine.withdrawn_at = now
    if order.status == "full":
        order.status, order.full_at = "open", None
        order.claim_by, order.claim_breached_at = now + policy.service_claim, None
    record_event(session, order.ticket, "service_withdrawn", now, actor="staff", staff=staff,
                 public=False, body=f"{staff.name}退单")
    tickets.tell_owner(session, order.ticket, "service_changed",
                       service_notices.withdrawn(order, staff), now)


def cancel_with_ticket(session: Session, ticket: Ticket) -> None:
    """A ticket withdrawn or closed before its service was done takes its order along."""
    order = of_ticket(session, ticket)
    if order is not None and order.status not in ("done", "cancelled"):
        order.status = "cancelled"


def sweep_unclaimed(session: Session, now: datetime, batch: int = 500) -> int:
    """Orders not fully claimed in time: their tickets go up to the community, once, by the
    same claim-then-escalate machinery as the tickets' own clocks (store.ladder)."""
    candidates = (select(ServiceOrder.id).join(Ticket)
                  .where(ServiceOrder.status == "open", ServiceOrder.claim_by < now,
                         ServiceOrder.claim_breached_at.is_(None),
                         Ticket.status.in_(OPEN_STATES))
                  .order_by(ServiceOrder.claim_by).limit(batch))
    claimed = ladder.claim_breaches(session, ServiceOrder, ServiceOrder.claim_breached_at,
                                    candidates, now)
    if not claimed:
        return 0
    ticket_ids = list(session.scalars(select(ServiceOrder.ticket_id)
                                      .where(ServiceOrder.id.in_(claimed))))
    return ladder.escalate_breached(session, ticket_ids, now, reason="服务需求超过接单时限，无人接单",
                                    at_least=COMMUNITY)
