"""A grid worker whose ticket is taken from them (the ladder's clock, a leader's 转办) hears it
in WeChat, briefly, with who holds it now; acting on it afterwards is answered politely with
that holder, and changes nothing."""
import pytest

from store.models import Ticket

from tests.handlers.test_lifecycle import sweep, the_ticket, to
from tests.support import Chat, rows


@pytest.fixture
def zhang(client, demo):
    return Chat(client, "o_worker_01")  # 张伟, grid worker of 幸福里第1网格


def test_the_worker_is_told_when_the_clock_lifts_his_ticket_to_the_leader(
        app, chat, zhang, svc, clock):
    chat.send("小区门口垃圾堆放三天没人清运，臭味很大")
    number = the_ticket(svc).number
    clock.at(minutes=16)  # 张伟 did not take it within 15 minutes
    assert sweep(app) == 1
    [told] = to(svc, "o_worker_01", "handed_away")
    assert told.payload["text"] == (f"工单 {number} 已上报给网格长周建国（136****0001），"
                                    "您无需再处理。")
    assert told.channel == "template" and told.payload["title"] == f"【已转交】工单 {number}"
    assert told.payload["remark"] == "已上报给周建国，您无需再处理"  # what a phone shows

    reply = zhang.send(f"办结 {number} 已经清运了")
    assert reply.startswith(f"工单 {number} 已转交网格长周建国（136****0001）处理，您无需再办结。")
    assert "请直接联系周建国" in reply
    assert zhang.send(f"接单 {number}").startswith(f"工单 {number} 已转交网格长周建国")
    ticket = the_ticket(svc)
    assert (ticket.status, ticket.assignee.name) == ("assigned", "周建国")
    assert "办结" not in to(svc, chat.openid)[-1].payload["text"]  # the resident heard nothing
    # the leader still acts on it
    leader = Chat(zhang.client, "o_leader_01")
    assert leader.send(f"接单 {number}").startswith("已接单")


def test_the_worker_is_told_when_his_leader_hands_his_ticket_to_a_department(
        chat, zhang, client, svc, clock):  # by day: at night 已转交 waits for the morning
    chat.send("小区门口有人占道摆摊卖菜")
    number = the_ticket(svc).number
    zhang.send(f"接单 {number}")
    leader = Chat(client, "o_leader_01")
    assert leader.send(f"转 {number} 城管").startswith("已转办")
    [told] = to(svc, "o_worker_01", "handed_away")
    assert told.payload["text"].startswith(f"工单 {number} 已转交给区城管（137****")
    assert told.payload["text"].endswith("，您无需再处理。")
    assert "已转交区城管" in zhang.send(f"办结 {number} 摊贩已劝离")
    assert the_ticket(svc).status == "assigned"
    assert to(svc, "o_leader_01", "handed_away") == []  # he handed it on himself


def test_a_worker_who_escalates_himself_gets_his_reply_and_no_second_message(
        chat, zhang, svc):
    chat.send("小区道路路面塌陷一个大坑")
    number = the_ticket(svc).number
    assert zhang.send(f"上报 {number} 需要住建部门处理").startswith("已上报")
    assert to(svc, "o_worker_01", "handed_away") == []
    assert [t.assignee.name for t in rows(svc, Ticket)] == ["周建国"]


@pytest.mark.parametrize("hour", [1, 15])  # 09:00 and 23:00 in China: it never waits
def test_the_worker_hears_at_once_when_the_leader_takes_an_emergency_first(
        chat, zhang, client, svc, clock, hour):
    clock.at(hours=hour - 1)
    chat.send("救命 我爸在厕所晕倒了 叫不醒")
    number = the_ticket(svc).number
    leader = Chat(client, "o_leader_01")
    assert leader.send(f"接单 {number}").startswith("已接单")
    [told] = to(svc, "o_worker_01", "handed_away")
    assert told.payload["title"] == f"【已被接单】工单 {number}"
    assert told.payload["text"] == (f"工单 {number} 已由网格长周建国（136****0001）接单，"
                                    "您无需再处理。")
    assert told.payload["remark"] == "已由周建国接单，您无需再处理"
    assert zhang.send(f"接单 {number}").startswith(f"工单 {number} 已转交网格长周建国")
