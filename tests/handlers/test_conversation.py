"""A resident talks to the account; each test reads as the conversation it checks."""
from store.models import HeldMessage, Outbox, Resident, Ticket, TicketEvent

from tests.support import count, rows


def test_a_complaint_becomes_a_ticket_for_the_grid_worker(chat, svc):
    reply = chat.send("楼道灯坏了三天了，晚上太黑")

    [ticket] = rows(svc, Ticket)
    assert reply.startswith(f"已受理，工单号 {ticket.number}，网格员张伟 将在 15 分钟内响应")
    assert ticket.kind == "complaint" and ticket.status == "assigned"
    assert ticket.description == "楼道灯坏了三天了，晚上太黑"
    [notice] = rows(svc, Outbox, Outbox.ticket_id == ticket.id)
    assert notice.to_openid == "o_worker_01" and notice.channel == "template"
    assert f"接单 {ticket.number}" in notice.payload["text"]


def test_ticket_numbers_are_short_and_count_up_per_day(chat, svc):
    first, second = chat.send("小区垃圾堆放没人清运"), chat.send("晚上广场舞噪音太吵")
    numbers = [t.number for t in rows(svc, Ticket)]
    assert len(numbers[0]) == 10 and numbers[0].isdigit()
    assert int(numbers[1]) == int(numbers[0]) + 1
    assert numbers[0] in first and numbers[1] in second


def test_a_fire_reply_says_call_119_before_anything_else(chat, svc):
    reply = chat.send("楼下着火了，有烟")
    assert reply.startswith("请立即拨打 119 火警电话！")
    [ticket] = rows(svc, Ticket)
    assert (ticket.urgency, ticket.kind, ticket.emergency_call) == ("emergency", "help", "119")
    assert f"工单号 {ticket.number}" in reply
    assert (ticket.accept_by - ticket.created_at).total_seconds() == 5 * 60


def test_a_greeting_is_kept_for_a_person_and_opens_no_ticket(chat, svc):
    reply = chat.send("你好")
    assert reply.startswith("您好，请直接说是什么事、在哪里")  # asked; a person sees it too
    assert count(svc, Ticket) == 0
    [held] = rows(svc, HeldMessage)
    assert (held.text, held.status) == ("你好", "waiting")


def test_voice_with_recognition_is_read_as_text(chat, svc):
    reply = chat.send_xml(
        "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o_demo_resident]]>"
        "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[voice]]></MsgType>"
        "<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format>"
        "<Recognition><![CDATA[小区门口有人占道摆摊]]></Recognition><MsgId>42</MsgId></xml>")
    assert reply.startswith("已受理，工单号")
    assert rows(svc, Ticket)[0].description == "小区门口有人占道摆摊"


def test_voice_without_recognition_asks_for_words(chat, svc):
    reply = chat.send_xml(
        "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o_demo_resident]]>"
        "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[voice]]></MsgType>"
        "<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>43</MsgId>"
        "</xml>")
    assert "文字" in reply and count(svc, Ticket) == 0
    [held] = rows(svc, HeldMessage)
    assert (held.msg_type, held.attachment["media_id"]) == ("voice", "m1")


def test_a_picture_alone_is_kept_and_joins_the_words_that_follow(chat, svc):
    reply = chat.send_xml(
        "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o_demo_resident]]>"
        "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        "<PicUrl><![CDATA[http://x/y.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId>"
        "<MsgId>44</MsgId></xml>")
    assert "工作人员会查看" in reply and "文字" in reply and count(svc, Ticket) == 0
    assert [h.status for h in rows(svc, HeldMessage)] == ["waiting"]

    chat.send("三单元楼道灯坏了，就是照片里这盏")
    [ticket] = rows(svc, Ticket)
    [held] = rows(svc, HeldMessage)
    assert (held.status, held.ticket_id) == ("opened", ticket.id)  # nothing left waiting
    pictures = [e.data.get("pic_url") for e in rows(svc, TicketEvent,
                                                    TicketEvent.action == "resident_message")]
    assert pictures == ["http://x/y.jpg"]  # the grid worker sees the photo on the ticket


def test_following_by_a_grid_qr_code_binds_and_welcomes(client, demo, svc):
    from tests.support import Chat
    newcomer = Chat(client, "o_newcomer")
    reply = newcomer.event("subscribe", "qrscene_grid:330199002001002")
    assert "欢迎关注" in reply and "翠苑第2网格" in reply and "网格员 黄敏" in reply
    [resident] = rows(svc, Resident, Resident.openid == "o_newcomer")
    assert resident.grid.code == "330199002001002"

    newcomer.send("单元门禁坏了，进不去")
    [ticket] = rows(svc, Ticket)
    assert ticket.grid_id == resident.grid_id and ticket.assignee.name == "黄敏"


def test_scanning_another_grid_rebinds(chat, svc):
    reply = chat.event("SCAN", "grid:330199001002001")
    assert "和平第1网格" in reply
    [resident] = rows(svc, Resident, Resident.openid == chat.openid)
    assert resident.grid.code == "330199001002001"


def test_an_unknown_grid_code_gets_a_polite_answer(chat, svc):
    reply = chat.event("SCAN", "grid:999999999999999")
    assert "没有找到" in reply
    [resident] = rows(svc, Resident, Resident.openid == chat.openid)
    assert resident.grid.code == "330199001001001"  # unchanged


def test_a_resident_with_no_grid_is_still_heard_and_asked_where(client, demo, svc):
    from tests.support import Chat
    reply = Chat(client, "o_stranger").send("路边井盖丢了很危险")
    [ticket] = rows(svc, Ticket)
    assert ticket.grid_id is None and ticket.tier == "district"
    # the pool's duty officer holds it and is told; never nobody
    assert ticket.status == "assigned" and ticket.assignee.name == "区中心值班员"
    assert f"工单号 {ticket.number}" in reply and "网格二维码" in reply


def test_unfollowing_says_nothing(chat, svc):
    assert chat.event("unsubscribe") is None
    assert chat.last_response.get_data(as_text=True) == "success"
    [resident] = rows(svc, Resident, Resident.openid == chat.openid)
    assert resident.subscribed is False


def test_a_common_question_is_answered_at_once_and_a_person_is_one_word_away(chat, svc):
    answer = chat.send("请问居住证怎么办理？")
    assert "居住证" in answer and "派出所" in answer and "转人工" in answer
    assert count(svc, Ticket) == 0
    reply = chat.send("转人工")
    [ticket] = rows(svc, Ticket)
    assert reply.startswith(f"已受理，工单号 {ticket.number}")
    assert ticket.kind == "consultation" and ticket.description == "请问居住证怎么办理？"
    # Nothing pending any more: the plea itself waits for a person.
    assert chat.send("转人工").startswith("好的，已转给工作人员")
    assert chat.send("我要找人工").startswith("好的，已转给工作人员")
    assert [h.text for h in rows(svc, HeldMessage)] == ["转人工", "我要找人工"]


def test_a_person_asked_for_in_ones_own_words_waits_for_a_person(chat, svc):
    """No matter named: no ticket with a guessed topic rings a worker; a matter named opens one."""
    for words in ("我想找个人说说 我家的事情挺复杂的", "想当面跟网格员说一下我家的情况"):
        assert chat.send(words).startswith("好的，已转给工作人员")
    assert count(svc, Ticket) == 0
    assert [h.text for h in rows(svc, HeldMessage)] == [
        "我想找个人说说 我家的事情挺复杂的", "想当面跟网格员说一下我家的情况"]
    assert chat.send("我想找个人说说 楼上漏水的事").startswith("已受理")


def test_staff_command_words_from_a_resident_are_just_words(chat, svc):
    assert not chat.send("转给城管处理吧，小区门口占道摆摊").startswith("请在指令后面")
    assert count(svc, Ticket) == 1


def test_a_bare_question_or_sigh_waits_for_a_person_and_a_short_report_opens_a_ticket(chat,
                                                                                     svc):
    from store.models import HeldMessage, Ticket
    from tests.support import rows
    assert "工作人员" in chat.send("？？？")
    assert "工作人员" in chat.send("怎么办")
    assert "工作人员" in chat.send("真是的")  # a sigh names no matter
    assert "什么事、在哪里" in chat.send("有人吗")  # an opener: asked, no 治安 ticket
    assert "工作人员" in chat.send("我在公司里")  # where they are: no 供水 ticket
    assert "工作人员" in chat.send("我在上班")    # nor a 工资拖欠 one
    assert [h.text for h in rows(svc, HeldMessage)] == ["？？？", "怎么办", "真是的", "有人吗",
                                                        "我在公司里", "我在上班"]
    assert chat.send("门禁坏了").startswith("已受理")
    assert len(rows(svc, Ticket)) == 1
