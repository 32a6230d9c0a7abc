"""What people are told about a service order, as notices (store.notices.Notice).

Members are pushed a published order with the resident's words masked (no phone, name or
room number: store.personal) and only the grid named: the address and the resident's phone go to those who claimed it (claimed_card)."""
from __future__ import annotations

from datetime import datetime

from store.notices import Notice, progress, staff_update
from store.personal import mask_ids, mask_person
from store.vocab import SERVICE_KINDS, china_time


def when(order) -> str:
    return china_time(order.scheduled_at) if order.scheduled_at else "尽快"


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} 分钟"
    return f"{hours} 小时" + (f" {rest} 分钟" if rest else "")


def terms(order) -> str:
    """代办服务，需 2 人，约 2 小时，时间 11-24 09:00"""
    return (f"{SERVICE_KINDS[order.kind]}，需 {order.people_needed} 人，"
            f"约 {duration(order.minutes_expected)}，时间 {when(order)}")


def place_of(ticket) -> str:
    """Where to go, for those who claimed it: the address or building, else the grid."""
    if ticket.address:
        return ticket.address
    if ticket.building is not None:
        return ticket.building.name
    return ticket.grid.name if ticket.grid else "待确认"


def published(order, now: datetime) -> Notice:
    ticket = order.ticket
    kind = SERVICE_KINDS[order.kind]
    taken = len(order.active_claims)
    return Notice(
        title=f"【服务需求】{kind} {ticket.number}",
        fields=(("工单号", ticket.number), ("类型", f"服务需求·{kind}"),
                ("网格", ticket.grid.name if ticket.grid else "待定位"),
                ("时间", when(order)),
                ("人数", f"需 {order.people_needed} 人，已接 {taken} 人"),
                ("时长", f"约 {duration(order.minutes_expected)}"),
                ("内容", mask_person(ticket.description)[:60])),
        remark=f"请回复「接单 {ticket.number}」接单。",
        due=order.scheduled_at or order.claim_by)


def claimed_card(order, staff) -> str:
    """The passive reply to a member's 接单: where, when, whom to call, what to do next."""
    ticket = order.ticket
    phone = f"\n居民电话：{ticket.resident_phone}" if ticket.resident_phone else ""
    note = f"\n备注：{order.note}" if order.note else ""
    others = [c.staff.name for c in order.active_claims if c.staff_id != staff.id]
    team = f"\n同去队员：{'、'.join(others)}" if others else ""
    return (f"接单成功：{SERVICE_KINDS[order.kind]}（工单 {ticket.number}）\n"
            f"地点：{place_of(ticket)}（{ticket.grid.name if ticket.grid else ''}）\n"
            f"时间：{when(order)}，约 {duration(order.minutes_expected)}\n"
            f"内容：{mask_ids(ticket.description)[:100]}{phone}{note}{team}\n"
            f"到达后回复「签到 {ticket.number}」并发送位置；结束回复「签退 {ticket.number}」；"
            f"办完回复「反馈 {ticket.number} 服务结果」，可附照片。")


def who_is_coming(order) -> str:
    return "、".join(f"{c.team.name}{c.staff.name}" for c in order.active_claims)


def coming(order) -> Notice:
    """To the resident: who is coming, and when."""
    ticket = order.ticket
    names = who_is_coming(order)
    return progress(ticket, "队员已接单", f"{names}将于{when(order)}上门服务",
                    f"您的服务需求（工单 {ticket.number}）已有队员接单：{names}，"
                    f"将于{when(order)}为您服务（{SERVICE_KINDS[order.kind]}）。"
                    f"有变化请直接回复本公众号。")


def full(order) -> Notice:
    """To the ticket's owner: the order has its people."""
    return staff_update(order.ticket, "服务需求已满员", f"{who_is_coming(order)}已接单，"
                        f"时间 {when(order)}", remark="队员签到、签退和反馈会记在工单上。")


def withdrawn(order, staff) -> Notice:
    return staff_update(order.ticket, "服务队员退单", f"{staff.name}已退单，"
                        f"还差 {order.people_needed - len(order.active_claims)} 人，已重新等待接单",
                        remark="仍无人接单将上报社区。")


def placed_text(order) -> str:
    """To the resident, when the grid places the order."""
    return f"已为您联系服务队：{terms(order)}。队员接单后会告诉您是谁来。"
