"""办服务 as people live it, through the real webhook and a WeChat that keeps WeChat's rules:
a resident asks for help with paperwork, the grid places the order, two members of a backing
unit claim it, check in and out, the resident rates it, and the month's hours show on the
dashboard."""
import pytest

from bot.wechat.jobs import sweep_sla

from store.models import Outbox, Photo, Ticket, TicketEvent
from store.service_models import ServiceClaim, ServiceOrder

from tests.bot.console.test_console import login
from tests.bot.wechat.test_photos import image_xml
from tests.fake_wechat import real_wechat, web, wechat  # noqa: F401 (fixtures)
from tests.handlers.test_locating import location_xml
from tests.support import Chat, rows, run_worker

RESIDENT, WORKER = "o_demo_resident", "o_worker_01"  # bound to 幸福里第1网格; 张伟, its worker
SUN, QIAN, LI = "o_member_03", "o_member_04", "o_member_01"  # 区卫健局后盾单位 ×2, 党员先锋队


@pytest.fixture
def people(web, demo):
    client = web.test_client()
    return {name: Chat(client, openid) for name, openid in
            (("resident", RESIDENT), ("zhang", WORKER), ("sun", SUN), ("qian", QIAN),
             ("li", LI))}


def shown_to(wechat, openid) -> list[str]:
    """What one phone shows, each message as one text (template lines joined)."""
    return [shown.text or " ".join(f"{label}{value}" for label, value in shown.lines)
            for shown in wechat.phone(openid)]


def test_a_backing_unit_serves_a_residents_paperwork_and_the_hours_are_counted(
        web, people, wechat, clock):
    svc = web.extensions["griddesk"]
    reply = people["resident"].send("我母亲腿脚不便，想请人帮忙代办医保报销手续，能帮忙吗")
    [ticket] = rows(svc, Ticket)
    assert f"已收到您的服务需求（代办服务），工单号 {ticket.number}" in reply
    assert "网格员张伟会为您联系服务队" in reply
    [order] = rows(svc, ServiceOrder)
    assert (order.status, order.kind, ticket.kind, ticket.urgency) == (
        "requested", "paperwork", "help", "normal")
    run_worker(web)
    [push] = shown_to(wechat, WORKER)
    assert ticket.number in push and "下单" in push  # the worker is told to place the order

    clock.at(minutes=5)
    reply = people["zhang"].send(f"下单 {ticket.number} 2人 2小时 明天上午9点 幸福小区1栋201 王阿姨")
    assert reply.startswith(f"已下单（工单 {ticket.number}）：代办服务，需 2 人，约 2 小时，"
                            "时间 11-24 09:00，已推送给 4 名服务队员")
    run_worker(web)
    # Each member's phone shows the need, masked and without the address, and how to take it.
    for openid in (SUN, QIAN, LI, "o_member_02"):
        [need] = shown_to(wechat, openid)
        assert ticket.number in need and "服务需求·代办服务" in need and "幸福里第1网格" in need
        assert "幸福小区1栋201" not in need
    assert shown_to(wechat, "o_member_06") == []  # 和平社区's volunteers do not serve here
    told = shown_to(wechat, RESIDENT)
    assert any("已为您联系服务队：代办服务，需 2 人" in text for text in told)

    clock.at(minutes=10)
    card = people["sun"].send(f"接单 {ticket.number}")
    assert card.startswith("接单成功：代办服务") and "幸福小区1栋201 王阿姨" in card
    assert f"签到 {ticket.number}" in card
    clock.at(minutes=12)
    people["qian"].send(f"接单 {ticket.number}")
    assert "已满员" in people["li"].send(f"接单 {ticket.number}")  # enough have
    run_worker(web)
    coming = [text for text in shown_to(wechat, RESIDENT) if "已有队员接单" in text]
    assert coming == [f"您的服务需求（工单 {ticket.number}）已有队员接单：区卫健局后盾单位孙红、"
                      "区卫健局后盾单位钱程，将于11-24 09:00为您服务（代办服务）。有变化请直接回复本公众号。"]

    clock.at(hours=24, minutes=2)  # 09:02 the next day
    with web.app_context():  # a day after the request: booked, so no clock has run out
        assert sweep_sla() == 0
    people["sun"].send_xml(location_xml(SUN, 30.2712, 120.1021, 700))
    assert people["sun"].send(f"签到 {ticket.number}").startswith(
        f"已签到（工单 {ticket.number}），已记录位置")
    assert people["qian"].send("签到").startswith(f"已签到（工单 {ticket.number}）")
    clock.at(hours=26, minutes=2)
    assert "本次服务 120 分钟" in people["sun"].send(f"签退 {ticket.number}")
    clock.at(hours=26, minutes=32)
    assert f"照片已附在工单 {ticket.number}" in people["qian"].send_xml(
        image_xml(QIAN, "member-photo-1", "http://example.invalid/x.jpg", 701))
    assert people["qian"].send(f"反馈 {ticket.number} 材料已递交医保中心，报销款约十个工作日到账") \
        .startswith(f"已反馈（工单 {ticket.number}）")
    claims = {c.staff.name: c for c in rows(svc, ServiceClaim)}
    assert (claims["孙红"].minutes, claims["钱程"].minutes) == (120, 150)
    assert (claims["孙红"].check_in_lat, claims["钱程"].check_in_lat) == (30.2712, None)
    [photo] = rows(svc, Photo)
    assert photo.ticket_id == ticket.id

    run_worker(web)
    [done] = [text for text in shown_to(wechat, RESIDENT) if "已办结" in text]
    assert "报销款约十个工作日到账" in done and "回复 1-5" in done
    clock.at(hours=27)
    assert "感谢" in people["resident"].send("5 很满意，谢谢队员们")
    [ticket] = rows(svc, Ticket)
    [order] = rows(svc, ServiceOrder)
    assert (ticket.status, ticket.rating, order.status) == ("closed", 5, "done")
    timeline = [e.action for e in rows(svc, TicketEvent, TicketEvent.ticket_id == ticket.id)]
    for step in ("service_placed", "service_claimed", "service_full", "checked_in",
                 "checked_out", "member_photo", "service_reported", "resolved", "rated"):
        assert step in timeline
    run_worker(web)  # the member who reported the result hears the resident's praise
    assert "好评 5 分" in shown_to(wechat, QIAN)[-1]  # on the phone: the score, their words
    assert "居民说：很满意，谢谢队员们" in shown_to(wechat, QIAN)[-1]
    assert all(o.status == "sent" for o in rows(svc, Outbox))  # nothing WeChat refused

    client = web.test_client()
    login(client, "community001001")
    board = client.get("/console/dashboard?since=2026-11-01&until=2026-11-30").get_data(True)
    assert "办服务 · 2026-11" in board and 'id="kpi-service-hours">4.5<' in board
    page = client.get("/console/services/figures?month=2026-11").get_data(as_text=True)
    units = page.split('id="units"')[1].split("</table>")[0]
    assert "区卫健局后盾单位" in units and "4.5" in units  # the unit's hours this month
    below = page.split('id="below"')[1].split("</table>")[0]
    assert all(name in below for name in ("孙红", "钱程", "周敏"))  # 1 visit or none, not 2
    assert "李明" not in below  # a party member: the bar is the backing units'
