"""A member's visit for a service order: check-in and check-out (with the location when the
member sends it) log the minutes; the report resolves the ticket and asks the resident to
confirm and rate; photos join the ticket's timeline (kept by the photos store like any)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from store import tickets
from store.registry import OPEN_STATES
from store.service_models import ServiceClaim, ServiceOrder
from store.service_orders import ServiceError
from store.tickets import record_event
from store.vocab import china_time, minutes_between

MAX_VISIT = timedelta(hours=12)  # a check-out forgotten overnight logs at most this
LOCATION_WINDOW = timedelta(minutes=30)  # a location this close to a check-in/out is its own
PHOTO_WINDOW = timedelta(hours=24)  # photos after the report still join it this long


def _claim_of(order: ServiceOrder, staff) -> ServiceClaim:
    mine = next((c for c in order.active_claims if c.staff_id == staff.id), None)
    if mine is None:
        raise ServiceError(f"您没有接工单 {order.ticket.number} 的服务，"
                           f"请先回复「接单 {order.ticket.number}」。")
    return mine


def check_in(session: Session, order: ServiceOrder, staff, now: datetime,
             point: tuple[float, float] | None = None) -> ServiceClaim:
    """签到: the visit starts (its place, when the member shared it in the last half hour)."""
    mine = _claim_of(order, staff)
    if order.status not in ("open", "full", "serving"):
        raise ServiceError(f"工单 {order.ticket.number} 的服务已结束，无需签到。")
    if mine.check_in_at is not None:
        raise ServiceError(f"您已于{china_time(mine.check_in_at)}签到，"
                           f"服务结束请回复「签退 {order.ticket.number}」。")
    mine.check_in_at = now
    if point is not None:
        mine.check_in_lat, mine.check_in_lng = point
    order.status, order.started_at = "serving", order.started_at or now
    record_event(session, order.ticket, "checked_in", now, actor="staff", staff=staff,
                 body=f"服务队员{staff.name}已到达", **_where(point))
    return mine


def check_out(session: Session, order: ServiceOrder, staff, now: datetime,
              point: tuple[float, float] | None = None) -> ServiceClaim:
    """签退: the visit ends and its minutes are logged (at most MAX_VISIT)."""
    mine = _claim_of(order, staff)
    if mine.check_in_at is None:
        raise ServiceError(f"您还没有签到，请先回复「签到 {order.ticket.number}」。")
    if mine.check_out_at is not None:
        raise ServiceError(f"您已于{china_time(mine.check_out_at)}签退，"
                           f"本次服务 {mine.minutes} 分钟。")
    _end_visit(session, order, mine, now, point)
    return mine


def _end_visit(session, order, mine: ServiceClaim, now: datetime, point=None, *,
               by_report: bool = False) -> None:
    mine.check_out_at = now
    if point is not None:
        mine.check_out_lat, mine.check_out_lng = point
    mine.minutes = minutes_between(mine.check_in_at, min(now, mine.check_in_at + MAX_VISIT))
    how = "（反馈时自动签退）" if by_report else ""
    record_event(session, order.ticket, "checked_out", now, actor="staff", staff=mine.staff,
                 public=False, body=f"{mine.staff.name}签退{how}，服务 {mine.minutes} 分钟",
                 minutes=mine.minutes, **_where(point))


def report(session: Session, order: ServiceOrder, staff, result: str,
           now: datetime, evidence: list[int] = ()) -> None:
    """反馈: the result; everyone still checked in is checked out, the order is done and the
    ticket resolved, so the resident is asked to confirm and rate (1–5) or say 未解决. The
    evidence (photo ids, from the member's page) shows the resident what was done."""
    mine = _claim_of(order, staff)
    number = order.ticket.number
    if mine.check_in_at is None:
        raise ServiceError(f"请先回复「签到 {number}」签到，服务完成后再反馈。")
    if order.status == "done":
        raise ServiceError(f"工单 {number} 的服务已反馈，无需重复反馈。")
    if not result.strip():
        raise ServiceError(f"请写明服务结果，例如：反馈 {number} 已陪同老人完成复诊")
    for claim in order.active_claims:
        if claim.check_in_at is not None and claim.check_out_at is None:
            _end_visit(session, order, claim, now, by_report=True)
    order.status, order.done_at = "done", now
    order.result, order.reported_by = result.strip(), staff
    record_event(session, order.ticket, "service_reported", now, actor="staff", staff=staff,
                 public=False, body=result.strip())
    if order.ticket.status in OPEN_STATES:  # the grid may have closed it meanwhile
        tickets.resolve(session, order.ticket, staff, result.strip(), now,
                        evidence=list(evidence))


def locate_visit(session: Session, staff, point: tuple[float, float],
                 now: datetime) -> tuple[ServiceClaim, str] | None:
    """A member's location right after a check-in or check-out that had none becomes its
    place; (claim, "签到" / "签退"), or None when it belongs to no visit."""
    recent = now - LOCATION_WINDOW
    claims = session.scalars(
        select(ServiceClaim).where(ServiceClaim.staff_id == staff.id,
                                   ServiceClaim.withdrawn_at.is_(None),
                                   or_(ServiceClaim.check_in_at >= recent,
                                       ServiceClaim.check_out_at >= recent))
        .options(selectinload(ServiceClaim.order)).order_by(ServiceClaim.id.desc()))
    for mine in claims:
        if mine.check_out_at is not None and mine.check_out_at >= recent:
            if mine.check_out_lat is None:
                mine.check_out_lat, mine.check_out_lng = point
                _located(session, mine, "签退", point, now)
                return mine, "签退"
        elif mine.check_in_at is not None and mine.check_in_lat is None:
            mine.check_in_lat, mine.check_in_lng = point
            _located(session, mine, "签到", point, now)
            return mine, "签到"
    return None


def _located(session, mine: ServiceClaim, what: str, point, now: datetime) -> None:
    record_event(session, mine.order.ticket, "visit_location", now, actor="staff",
                 staff=mine.staff, public=False, body=f"{mine.staff.name}{what}位置",
                 **_where(point))


def current_order(session: Session, staff, now: datetime) -> ServiceOrder | None:
    """The order a member's photo belongs to: their latest claim still being served, or
    reported in the last day."""
    return session.scalar(
        select(ServiceOrder).join(ServiceClaim)
        .where(ServiceClaim.staff_id == staff.id, ServiceClaim.withdrawn_at.is_(None),
               or_(ServiceOrder.status.in_(("open", "full", "serving")),
                   (ServiceOrder.status == "done") & (ServiceOrder.done_at >= now - PHOTO_WINDOW)))
        .order_by(ServiceClaim.claimed_at.desc()).limit(1))


def add_photo(session: Session, order: ServiceOrder, staff, now: datetime, *,
              media_id: str | None, pic_url: str | None) -> None:
    """A member's picture joins the ticket's timeline; the inbox keeps its bytes (the photos
    store, under the ticket) and the console shows it there."""
    record_event(session, order.ticket, "member_photo", now, actor="staff", staff=staff,
                 public=False, body=f"{staff.name}上传服务照片", type="image",
                 media_id=media_id, pic_url=pic_url)


def _where(point) -> dict:
    return {"lat": point[0], "lng": point[1]} if point is not None else {}
