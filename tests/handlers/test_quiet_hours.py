"""Quiet hours (22:00–08:00 China time): a worker's phone does not ring at night for what
needs nothing of them before morning — a ticket taken off them, a good or a bad rating, a
praise. Those pushes go out at 08:00; what they must act on still goes at once."""
import dataclasses

import pytest

from bot.wechat.jobs import close_and_revisit
from store.models import HeldMessage, NoticeForDay, Ticket, TicketEvent
from tests.handlers.test_lifecycle import sweep, to
from tests.support import Chat, rows

NIGHT, MORNING = 14, 23  # hours after the tests' 09:00 start: 23:00 and 08:00 China time


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, sla_night_waits=1)  # as shipped


def morning_round(app) -> int:
    with app.app_context():
        return close_and_revisit()["sent_in_the_morning"]


def test_a_ticket_lifted_off_a_worker_at_night_is_told_in_the_morning(app, chat, svc, clock):
    clock.at(hours=NIGHT, minutes=-70)  # 21:50: its clocks run at once
    chat.send("小区门口垃圾堆放三天没人清运，臭味很大")
    [ticket] = rows(svc, Ticket)
    clock.at(hours=NIGHT, minutes=-54)  # 22:06, 张伟 asleep: the accept clock lifts it
    assert sweep(app) == 1
    assert [o.purpose for o in to(svc, "o_leader_01")] == ["escalated"]  # at once: his now
    assert to(svc, "o_worker_01", "handed_away") == []  # nothing he must do tonight
    clock.at(hours=MORNING - 3)  # 05:00: still night
    assert morning_round(app) == 0
    clock.at(hours=MORNING, minutes=5)
    assert morning_round(app) == 1 and morning_round(app) == 0  # once
    [told] = to(svc, "o_worker_01", "handed_away")
    assert told.payload["title"] == f"【已转交】工单 {ticket.number}"
    assert rows(svc, NoticeForDay) == []


def test_an_emergency_lifted_off_a_worker_at_night_is_told_at_once(app, chat, svc, clock):
    clock.at(hours=NIGHT)
    chat.send("救命 我爸在厕所晕倒了 叫不醒")
    clock.at(hours=NIGHT, minutes=6)  # not taken within its 5 minutes: lifted by the clock
    assert sweep(app) == 1
    [told] = to(svc, "o_worker_01", "handed_away")  # he may be on the way: not in the morning
    assert told.payload["remark"].endswith("您无需再处理")
    assert rows(svc, NoticeForDay) == []


def test_a_bad_rating_at_night_reaches_the_handler_in_the_morning(app, chat, client, svc,
                                                                   clock):
    chat.send("三单元楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    Chat(client, "o_worker_01").send(f"办结 {ticket.number} 已更换灯泡")
    clock.at(hours=NIGHT)
    chat.send("1 还是很暗")
    assert to(svc, "o_worker_01", "rated_low") == []
    clock.at(hours=MORNING, minutes=5)
    assert morning_round(app) == 1
    [told] = to(svc, "o_worker_01", "rated_low")
    assert told.payload["title"] == f"【差评】居民评价 1 分 {ticket.number}"
    assert "居民说：还是很暗" in told.payload["text"]


def test_what_a_worker_must_act_on_still_goes_at_night(app, chat, svc, clock):
    clock.at(hours=NIGHT)
    reply = chat.send("楼道里电动车电池鼓包了 还在充电")  # urgent: a hazard now
    assert "分钟内响应" in reply
    assert [o.purpose for o in to(svc, "o_worker_01")] == ["ticket_assigned"]


def test_a_normal_matter_written_at_night_is_the_mornings_work(app, chat, svc, clock):
    clock.at(hours=NIGHT)  # 23:00
    reply = chat.send("三单元楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    assert reply.startswith(f"已受理，工单号 {ticket.number}，网格员张伟 将在早上 08:15 前响应"
                            "（夜间收到的事项早上 8 点起处理；如有危险请直接拨打 110、119 或 120）。")
    assert to(svc, "o_worker_01") == []  # his phone does not ring at 23:00 for a lamp
    clock.at(hours=NIGHT, minutes=20)
    assert chat.send("怎么还没人来").startswith(f"您的工单 {ticket.number}（待接单）")
    assert to(svc, "o_worker_01") == []  # nor for the resident's chase of it
    clock.at(hours=NIGHT + 4)  # 03:00: no clock has run out, nobody is woken
    assert sweep(app) == 0 and to(svc, "o_leader_01") == []
    clock.at(hours=MORNING, minutes=1)
    assert morning_round(app) == 2  # the ticket, then the chase
    [pushed] = to(svc, "o_worker_01", "ticket_assigned")
    assert dict(pushed.payload["fields"])["接单时限"] == "11-24 08:15 前（早上 8 点起计时）"
    clock.at(hours=MORNING, minutes=16)  # 08:16: now it climbs, as any morning's ticket
    assert sweep(app) == 1


def test_noise_at_night_tells_the_resident_who_comes_tonight(app, chat, svc, clock):
    clock.at(hours=NIGHT)  # the grid answers in the morning; the noise is now
    reply = chat.send("楼下烧烤店太吵了 都十一点了还在喝酒划拳 睡不着")
    assert rows(svc, Ticket)[0].category == "噪音扰民"
    assert "夜间噪音正在扰民的，可拨打 110 请民警到场处理" in reply
    assert to(svc, "o_worker_01") == []


def test_a_child_with_a_high_fever_at_night_is_told_where_to_go_now(app, chat, svc, clock):
    """Not "the grid answers at 08:15": the emergency room is open at night, 120 for the signs."""
    clock.at(hours=NIGHT + 3)  # 02:00
    reply = chat.send("我家孩子发高烧39度8 附近哪有医院")
    assert reply.startswith("发高烧请尽快到就近医院的急诊就诊（孩子看儿科急诊）")
    assert "请立即拨打 120" in reply and "转人工" in reply
    assert rows(svc, Ticket) == [] and to(svc, "o_worker_01") == []
    # the signs of danger are an emergency, never an answer from the list
    assert chat.send("孩子高烧抽搐了 叫不醒").startswith("如有生命危险，请立即拨打 120")


def test_a_praise_at_night_is_passed_on_in_the_morning_and_thanks_wait_for_nobody(
        app, chat, svc, clock):
    clock.at(hours=NIGHT)
    reply = chat.send("网格员张伟特别负责 上次楼道灯当天就修好了 给他点赞")
    [ticket] = rows(svc, Ticket)
    assert reply == f"感谢您的肯定！您的表扬已转达给网格员张伟（记录号 {ticket.number}）。"
    assert to(svc, "o_worker_01") == []
    assert chat.send("谢谢") == "不客气！还有别的事，直接发消息告诉我们（什么事、在哪里）。"
    assert rows(svc, HeldMessage) == []  # no agent has to dismiss a thank-you
    said = [e.body for e in rows(svc, TicketEvent) if e.action == "resident_message"]
    assert said == ["谢谢"]
    clock.at(hours=MORNING, minutes=5)
    assert morning_round(app) == 1
    [told] = to(svc, "o_worker_01", "praise")
    assert told.payload["title"] == f"【表扬】居民表扬 {ticket.number}"
