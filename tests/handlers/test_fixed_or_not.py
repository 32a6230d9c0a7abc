"""Fixed or not, in the resident's words. "修好了 谢谢" is heard on that ticket: its owner is
told, the resident learns what happens next, and no second ticket opens — a praise of "其他"
or a message waiting for a person — however long after the report they say it. "还是不太亮"
just after a ticket was closed reopens it."""
import pytest

from bot.wechat.jobs import close_and_revisit
from store.models import HeldMessage, Outbox, Ticket, TicketEvent
from tests.handlers.test_no_dead_ends import received
from tests.support import Chat, rows


def closed_light(chat, client, svc) -> Ticket:
    """三单元楼道灯坏了, reported and closed by 张伟: the resident is asked to rate it."""
    chat.send("三单元楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    Chat(client, "o_worker_01").send(f"办结 {ticket.number} 已更换灯泡")
    return ticket


def test_said_fixed_the_next_day_goes_to_the_owner_not_a_new_ticket(chat, svc, worker, clock):
    chat.send("三单元楼道灯坏了，晚上很黑")
    [ticket] = rows(svc, Ticket)
    clock.at(hours=20)  # past the two hours in which any words join the ticket
    reply = chat.send("灯亮了 谢谢网格员")
    assert reply.startswith(f"收到！已告诉网格员张伟：您说“灯亮了 谢谢网格员”。核实后会办结工单 "
                            f"{ticket.number}")
    assert reply.endswith(f"如不再需要处理，请回复“取消 {ticket.number}”撤回工单。")
    assert len(rows(svc, Ticket)) == 1 and rows(svc, HeldMessage) == []
    assert received(svc, worker)["o_worker_01"][-1] == f"居民说已解决 {ticket.number}"
    said = [e.body for e in rows(svc, TicketEvent) if e.action == "resident_message"]
    assert said == ["灯亮了 谢谢网格员"]


def test_said_fixed_finds_the_matter_it_names(chat, svc, clock):
    chat.send("三单元楼道灯坏了")
    clock.at(hours=1)
    chat.send("另外小区门口下水道堵了")
    light, drain = rows(svc, Ticket)
    clock.at(hours=30)
    assert f"工单 {light.number}" in chat.send("楼道灯已经修好了")
    assert f"工单 {drain.number}" in chat.send("好了 通了 谢谢")
    assert len(rows(svc, Ticket)) == 2


def test_said_fixed_after_the_result_asks_for_the_score(chat, client, svc):
    ticket = closed_light(chat, client, svc)
    assert chat.send("修好了 谢谢") == (f"很高兴问题已经解决！请回复 1-5 为工单 {ticket.number} "
                                    "的办理打分（5 分最满意），也可以写上几句评价。")
    assert chat.send("5").startswith("感谢您的评价")
    assert [t.rating for t in rows(svc, Ticket)] == [5]


def test_not_fixed_or_asked_is_not_taken_for_fixed(chat, svc, clock):
    chat.send("三单元楼道灯坏了")
    clock.at(hours=20)
    assert "核实后会办结" not in chat.send("修好了吗")
    assert "核实后会办结" not in chat.send("还是没修好")
    assert "核实后会办结" not in chat.send("不修了")


def test_a_thumbs_up_days_later_stays_on_the_open_ticket_and_waits_for_nobody(chat, svc,
                                                                             worker, clock):
    chat.send("三单元楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    clock.at(hours=30)
    for words in ("👍", "谢谢", "[微笑]"):
        assert chat.send(words).startswith(f"收到。您的工单 {ticket.number} 正在处理中")
    assert rows(svc, HeldMessage) == []  # nothing for an agent to dismiss
    said = [e.body for e in rows(svc, TicketEvent) if e.action == "resident_message"]
    assert said == ["👍", "谢谢", "[微笑]"]
    assert received(svc, worker)["o_worker_01"] == [f"新工单 {ticket.number}"]  # not pushed


def test_not_fixed_after_all_reopens_the_ticket_just_rated(chat, client, svc, worker, clock):
    ticket = closed_light(chat, client, svc)
    chat.send("2")  # rated: closed
    clock.at(hours=5)
    assert chat.send("还是不太亮") == f"已重新办理工单 {ticket.number}，张伟会再次处理，请留意进度。"
    [ticket] = rows(svc, Ticket)
    assert ticket.status == "reopened" and ticket.reopen_count == 1
    assert received(svc, worker)["o_worker_01"][-2:] == [
        f"【差评】居民评价 2 分 {ticket.number}",  # the handler hears the low score at once
        f"【返工】居民反映未解决 {ticket.number}"]
    assert rows(svc, HeldMessage) == []


def test_a_good_rating_reaches_the_handler_with_the_residents_words(chat, client, svc,
                                                                    worker, clock):
    ticket = closed_light(chat, client, svc)
    chat.send("5 很及时 谢谢张师傅")
    assert received(svc, worker)["o_worker_01"][-1] == f"【好评】居民评价 5 分 {ticket.number}"
    [push] = rows(svc, Outbox, Outbox.purpose == "rated_good")
    assert "居民说：很及时 谢谢张师傅" in push.payload["text"]
    assert (push.channel, push.status) == ("template", "sent")  # the staff's usual way


@pytest.mark.parametrize("praise", ["非常满意 谢谢你们", "张伟师傅人很好"])
def test_praise_after_a_rating_joins_the_ticket_rated_not_a_second_record(
        chat, client, svc, worker, clock, praise):
    ticket = closed_light(chat, client, svc)
    chat.send("5")
    clock.at(minutes=3)
    assert chat.send(praise) == f"感谢您的肯定！已转达给网格员张伟（工单 {ticket.number}）。"
    assert len(rows(svc, Ticket)) == 1
    assert received(svc, worker)["o_worker_01"][-1] == f"【表扬】居民表扬 {ticket.number}"
    [push] = rows(svc, Outbox, Outbox.purpose == "praise")
    assert f"居民说：{praise}" in push.payload["text"]


def test_praise_of_someone_else_after_a_rating_is_passed_to_them(chat, client, svc, clock):
    closed_light(chat, client, svc)
    chat.send("5")
    clock.at(minutes=3)
    assert chat.send("网格员王芳上次帮我家老人办了低保 特别负责").startswith(
        "感谢您的肯定！您的表扬已转达给网格员王芳")
    assert len(rows(svc, Ticket)) == 2


def test_a_middling_rating_is_not_pushed(chat, client, svc, worker):
    closed_light(chat, client, svc)
    chat.send("3")
    assert not any("评价" in t for t in received(svc, worker)["o_worker_01"])


def test_a_good_rating_given_at_night_waits_for_the_morning(app, chat, client, svc, worker,
                                                            clock):
    ticket = closed_light(chat, client, svc)
    clock.at(hours=14)  # 23:00 in China: nobody's phone rings for good news
    chat.send("4")
    assert not any("好评" in t for t in received(svc, worker)["o_worker_01"])
    clock.at(hours=20)  # 05:00
    with app.app_context():
        assert close_and_revisit()["sent_in_the_morning"] == 0
    clock.at(hours=23, minutes=10)  # 08:10: the day has started
    with app.app_context():
        assert close_and_revisit()["sent_in_the_morning"] == 1
        assert close_and_revisit()["sent_in_the_morning"] == 0  # once
    got = received(svc, worker)["o_worker_01"]
    assert got[-1] == f"【好评】居民评价 4 分 {ticket.number}" and len(
        [t for t in got if "好评" in t]) == 1
    [push] = rows(svc, Outbox, Outbox.purpose == "rated_good")
    assert "（居民未写意见）感谢您的用心服务！" in push.payload["text"]


def test_not_fixed_days_later_is_not_that_ticket(chat, client, svc, clock):
    closed_light(chat, client, svc)
    chat.send("5")
    clock.at(days=4)
    assert not chat.send("还是不太亮").startswith("已重新办理")
    assert rows(svc, Ticket)[0].status == "closed"


def test_a_problem_after_praise_is_a_new_report_not_joined_to_the_praise(chat, svc, clock):
    assert chat.send("网格员小李态度特别好 帮我们解决了漏水问题").startswith("感谢您的肯定")
    clock.at(hours=5)
    assert chat.send("谢谢你们 不过又漏水了").startswith("已受理")
    praise, leak = rows(svc, Ticket)
    assert (praise.kind, leak.kind) == ("praise", "complaint")
