"""The service loop's rules as people meet them in WeChat: what is a service and what never
is, who may take an order, what happens when nobody does, and the orders the grid places
with no resident's message."""
import pytest
from sqlalchemy import update

from bot.wechat.jobs import sweep_sla
from store.models import Outbox, Staff, Ticket
from store.service_models import ServiceClaim, ServiceOrder

from tests.support import Chat, count, rows

HAPPY_1 = "330199001001001"  # 幸福里第1网格: 张伟; served by T001 (community) and T002


@pytest.fixture
def say(client, demo):
    """say(openid, words) → the passive reply."""
    return lambda openid, words: Chat(client, openid).send(words)


@pytest.fixture
def place_paperwork(say, svc):
    """A resident asks, 张伟 places it: (the number, his reply)."""
    def place(people="2人"):
        say("o_demo_resident", "我父亲行动不便，想请人帮忙代办社保资格认证")
        number = last_number(svc)
        return number, say("o_worker_01", f"下单 {number} {people} 1小时 明天上午10点")
    return place


def last_number(svc) -> str:
    return rows(svc, Ticket)[-1].number


def test_an_emergency_is_never_a_service_order(say, svc):
    reply = say("o_demo_resident", "我妈摔倒了起不来，头在流血，帮忙陪同就医")
    assert reply.startswith("如有生命危险，请立即拨打 120")
    [ticket] = rows(svc, Ticket)
    assert ticket.urgency == "emergency" and count(svc, ServiceOrder) == 0
    refused = say("o_worker_01", f"下单 {ticket.number} 2人 1小时")
    assert refused.startswith("紧急求助不能作为服务需求派单") and count(svc, ServiceOrder) == 0
    assert say("o_worker_01", "下单 幸福小区1栋 老人突然晕倒叫不醒 陪同就医").startswith("这像是紧急情况")


def test_a_report_about_the_estate_stays_a_ticket_and_a_helpless_repair_is_a_service(say, svc):
    say("o_demo_resident", "楼道灯坏了，帮忙修一下")
    say("o_demo_resident", "新问题 我一个人住，腿脚不便，家里水管坏了没人帮忙修")
    first, second = rows(svc, Ticket)
    assert first.category == "路灯/井盖/道路"
    [order] = rows(svc, ServiceOrder)
    assert order.ticket_id == second.id and order.kind == "repair"
    assert second.category == "上门维修"


def test_the_menu_asks_for_the_service_and_the_next_words_are_the_request(client, demo, svc):
    resident = Chat(client, "o_demo_resident")
    assert "需要什么服务" in resident.event("CLICK", "SERVICE")
    reply = resident.send("家里老人想理个发，能不能派人上门")
    [order] = rows(svc, ServiceOrder)
    assert "服务需求" in reply and order.status == "requested"


def test_only_the_teams_it_was_published_to_may_take_it_until_it_is_full(say, svc,
                                                                        place_paperwork):
    number, _ = place_paperwork("1人")
    assert say("o_member_06", f"接单 {number}").startswith("没有找到工单")  # 和平社区: not theirs
    assert say("o_member_01", f"接单 {number}").startswith("接单成功")
    assert "已满员" in say("o_member_03", f"接单 {number}")
    assert say("o_member_01", f"退单 {number}").startswith("已退单")
    [order] = rows(svc, ServiceOrder)
    assert order.status == "open"  # it waits for someone else
    [withdrawn] = [o for o in rows(svc, Outbox) if o.purpose == "service_changed"]
    assert withdrawn.to_openid == "o_worker_01" and "李明已退单" in withdrawn.payload["text"]
    assert say("o_member_03", f"接单 {number}").startswith("接单成功")


def test_a_worker_who_also_serves_takes_orders_and_still_accepts_tickets(say, svc,
                                                                        place_paperwork):
    from store.service_models import TeamMember
    with svc.db.transaction() as session:
        zhang = session.query(Staff).filter_by(username="worker01").one()
        session.add(TeamMember(team_id=1, staff_id=zhang.id))  # T001, 党员先锋队
    number, reply = place_paperwork()
    assert "已推送给 4 名服务队员" in reply  # not to 张伟 himself, who placed it
    say("o_demo_resident", "新问题 小区门口垃圾没人清运")
    other = last_number(svc)
    assert say("o_worker_01", f"接单 {other}").startswith("已接单")  # his ticket, as before
    assert say("o_worker_01", f"接单 {number}").startswith("接单成功")  # the order: a claim


def test_an_order_nobody_takes_goes_up_to_the_community_once(app, say, svc, clock,
                                                            place_paperwork):
    number, reply = place_paperwork()
    assert "已推送给 4 名服务队员" in reply
    clock.at(minutes=119)
    with app.app_context():
        assert sweep_sla() == 0
    clock.at(minutes=121)
    with app.app_context():
        assert sweep_sla() == 1 and sweep_sla() == 0
    [ticket] = rows(svc, Ticket)
    assert (ticket.tier, ticket.assignee.username) == ("community", "community001001")
    [push] = [o for o in rows(svc, Outbox) if o.purpose == "escalated"
              and o.to_openid == "o_community_001001"]
    assert "无人接单" in push.payload["text"] and "下单" in push.payload["text"]
    # the community widens the net: placing again publishes to every team of the community
    again = say("o_community_001001", f"下单 {number}")
    assert again.startswith(f"已下单（工单 {number}）")


def test_with_nobody_to_push_the_order_goes_up_at_once(say, svc):
    with svc.db.transaction() as session:
        session.execute(update(Staff).where(Staff.username == "member06").values(openid=None))
    reply = say("o_worker_04", "下单 和平小区2栋 张奶奶 代办医保报销 1人 2小时")  # 和平第1网格
    assert "暂无可接单的服务队员" in reply and "和平社区" in reply
    [order] = rows(svc, ServiceOrder)
    ticket = order.ticket
    assert order.status == "open" and ticket.tier == "community"
    assert ticket.resident_id is None and ticket.category == "代办服务"


def test_check_in_and_out_log_minutes_once_and_the_report_needs_a_check_in(
        say, svc, clock, place_paperwork):
    number, _ = place_paperwork("1人")
    say("o_member_03", f"接单 {number}")
    assert say("o_member_03", f"反馈 {number} 办好了").startswith(f"请先回复「签到 {number}」")
    clock.at(hours=25)
    assert say("o_member_03", "签到").startswith(f"已签到（工单 {number}）")  # one in hand
    assert say("o_member_03", f"签到 {number}").startswith("您已于11-24 10:00签到")
    clock.at(hours=25, minutes=45)
    assert "本次服务 45 分钟" in say("o_member_03", "签退")
    assert "已于" in say("o_member_03", "签退")  # once
    [claim] = rows(svc, ServiceClaim)
    assert claim.minutes == 45


def test_a_member_types_anything_and_gets_their_commands(say, svc, place_paperwork):
    reply = say("o_member_03", "你好")
    assert reply.startswith("服务队员指令") and count(svc, Ticket) == 0
    number, _ = place_paperwork()
    listing = say("o_member_03", "服务单")
    assert "待接的服务" in listing and number in listing


def test_a_resident_withdraws_a_request_before_it_is_placed(say, svc):
    say("o_demo_resident", "想请人陪我去医院复查，我腿脚不方便")
    number = last_number(svc)
    assert say("o_demo_resident", f"取消 {number}") == f"已取消工单 {number}。"
    [order] = rows(svc, ServiceOrder)
    assert order.status == "cancelled"
    assert say("o_worker_01", f"下单 {number}") == f"工单 {number} 当前已取消，不能派单"
