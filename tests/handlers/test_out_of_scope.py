"""A ticket outside one's scope is one that does not exist: a worker who types the number of
another grid's ticket, in any command, hears what a mistyped number gets, on WeChat, on the
phone page and in the console alike; nothing tells them that such a ticket is there."""
import pytest

from store.models import Ticket, TicketEvent
from store.service_models import ServiceOrder

from tests.bot.console.test_console import login
from tests.bot.mobile.test_worker import Phone, link
from tests.support import Chat, count, rows

NOWHERE = "2611239999"  # no ticket has this number

STAFF_COMMANDS = ("查看 {}", "查询 {}", "接单 {}", "接单 {} 下午过去", "回复 {} 马上到", "办结 {} 已处理",
                  "上报 {}", "转 {} 城管", "转办 {} 城管", "督办 {}", "延期 {} 等配件",
                  "申请延期 {} 等配件", "{} 已经修好了", "{} 我马上过去", "{} 不归我们管",
                  "下单 {} 2人 1小时")


@pytest.fixture
def lamp(chat, svc) -> str:
    chat.send("幸福小区3栋楼道灯坏了三天")  # 幸福里第1网格, 张伟's
    [ticket] = rows(svc, Ticket)
    return ticket.number


def the_same(person: Chat, words: str, number: str) -> tuple[str, str]:
    """(what the real number gets, what a number of no ticket gets, put in its place)."""
    return (person.send(words.format(number)),
            person.send(words.format(NOWHERE)).replace(NOWHERE, number))


@pytest.mark.parametrize("openid", ["o_worker_02", "o_leader_02"])  # another grid's worker, leader
def test_another_grids_ticket_is_answered_as_a_number_of_no_ticket(client, svc, clock, lamp,
                                                                   openid):
    other = Chat(client, openid)
    for minute, words in enumerate(STAFF_COMMANDS):
        clock.at(minutes=minute)  # under flood control's 20 messages a minute
        real, none = the_same(other, words, lamp)
        assert real == none, words
        assert "管辖" not in real and "幸福小区" not in real
    assert other.send(f"查看 {lamp}").startswith(f"没有找到工单 {lamp}，请核对工单号")
    [ticket] = rows(svc, Ticket)
    assert ticket.status == "assigned" and count(svc, TicketEvent) == 2  # untouched


def test_a_service_order_not_sent_to_ones_team_is_answered_as_none(client, svc, clock, lamp):
    Chat(client, "o_demo_resident").send("新问题 我父亲行动不便，想请人帮忙代办社保资格认证")
    number = rows(svc, Ticket)[-1].number
    Chat(client, "o_worker_01").send(f"下单 {number} 1人 1小时 明天上午10点")
    assert count(svc, ServiceOrder) == 1
    wu = Chat(client, "o_member_06")  # 吴刚, a team of 和平社区: it was not published to them
    for words in ("接单 {}", "退单 {}", "签到 {}", "签退 {}", "反馈 {} 已办好"):
        real, none = the_same(wu, words, number)
        assert real == none and real.startswith(f"没有找到工单 {number} 的服务需求"), words


def test_the_phone_page_and_the_console_answer_404_alike(app, client, svc, clock, lamp):
    wang = Phone(app, "o_worker_02")
    real = wang.open(link(app, wang.openid, number=lamp))
    none = wang.open(link(app, wang.openid, number=NOWHERE))
    assert real.status_code == none.status_code == 404
    assert real.get_data(as_text=True).replace(lamp, NOWHERE) == none.get_data(as_text=True)
    login(client, "worker02")
    real, none = client.get(f"/console/tickets/{lamp}"), client.get(f"/console/tickets/{NOWHERE}")
    assert real.status_code == none.status_code == 404
    assert real.get_data(as_text=True) == none.get_data(as_text=True)
