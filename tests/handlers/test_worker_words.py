"""A worker's plain words about the one ticket in hand, as a worker types them on the way:
"好的 我马上过去" takes it, "灯泡已经换好了" resolves it with those words, a picture is its site
photo, "这个不归我们管" is told how to hand it on. A question or a "not yet" does nothing."""
from store.models import Photo, Ticket, TicketEvent
from tests.handlers.test_no_dead_ends import received
from tests.support import Chat, rows


def test_on_the_way_then_a_photo_then_done_in_plain_words(chat, client, svc, worker):
    chat.send("三单元楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    zhang = Chat(client, "o_worker_01")
    assert zhang.send("好的 我马上过去").startswith(f"已接单：工单 {ticket.number}（三单元楼道灯坏了）")
    assert rows(svc, Ticket)[0].status == "accepted"
    photo = zhang.send_xml(
        "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o_worker_01]]>"
        "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        "<PicUrl><![CDATA[http://img/w.jpg]]></PicUrl><MediaId><![CDATA[mw]]></MediaId>"
        "<MsgId>9301</MsgId></xml>")
    assert photo.startswith(f"已将照片加入工单 {ticket.number}（三单元楼道灯坏了）")
    [note] = [e for e in rows(svc, TicketEvent) if e.action == "note"]
    assert (note.actor, note.data["media_id"], note.public) == ("staff", "mw", False)
    assert zhang.send("还没修好 明天再来").startswith("您的待办")  # not yet: nothing done
    assert zhang.send("灯泡已经换好了") == f"已办结：工单 {ticket.number}（三单元楼道灯坏了）"
    [ticket] = rows(svc, Ticket)
    assert ticket.status == "resolved"
    assert any("处理结果：灯泡已经换好了" in text for text in received(svc, worker)[chat.openid])


def test_a_question_is_not_done_and_not_mine_is_told_how_to_hand_on(chat, client, svc):
    chat.send("三单元楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    zhang = Chat(client, "o_worker_01")
    zhang.send("修好了吗")
    assert rows(svc, Ticket)[0].status == "assigned"
    assert zhang.send("这个要物业处理").startswith(f"工单 {ticket.number}（三单元楼道灯坏了）如不归网格处理")
    assert zhang.send("这个不归我们管 是物业的事") == (
        f"工单 {ticket.number}（三单元楼道灯坏了）如不归网格处理，请回复：“上报 {ticket.number} 原因”"
        f"交网格长，或“转 {ticket.number} 部门”转给职能部门（如：转 {ticket.number} 城管）。")


def test_done_with_two_tickets_in_hand_needs_the_number(chat, client, svc):
    chat.send("三单元楼道灯坏了")
    chat.send("另外 小区门口下水道堵了 好几天了")
    first, second = rows(svc, Ticket)
    zhang = Chat(client, "o_worker_01")
    assert zhang.send("修好了").startswith(  # which one? nothing done
        f"您有 2 张工单可以办结，请写明工单号，例如：办结 {first.number}\n{first.number} 待接单")
    assert [t.status for t in rows(svc, Ticket)] == ["assigned", "assigned"]
    assert zhang.send(f"{second.number} 已疏通").startswith(f"已办结：工单 {second.number}")
    assert [t.status for t in rows(svc, Ticket)] == ["assigned", "resolved"]


def test_done_words_naming_the_topic_mean_that_ticket(chat, client, svc):
    chat.send("三单元楼道灯坏了")
    chat.send("小区5号楼电梯坏了 困了好几个老人下不了楼")
    lamp, lift = rows(svc, Ticket)
    zhang = Chat(client, "o_worker_01")
    assert zhang.send("电梯已经修好了").startswith(f"已办结：工单 {lift.number}")
    assert [t.status for t in rows(svc, Ticket)] == [lamp.status, "resolved"]


def test_done_words_with_a_mistyped_number_say_so(chat, client, svc):
    chat.send("三单元楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    wrong = str(int(ticket.number) + 7)
    zhang = Chat(client, "o_worker_01")
    assert zhang.send(f"{wrong} 已处理").startswith(f"没有找到工单 {wrong}，请核对工单号")
    assert rows(svc, Ticket)[0].status == "assigned"


def test_a_patrol_find_resolved_in_wechat_with_the_photo_sent_there(client, demo, svc):
    zhang = Chat(client, "o_worker_01")
    opened = zhang.send("巡查 5栋门口井盖松动")
    [ticket] = rows(svc, Ticket)
    assert ticket.channel == "patrol" and ticket.number in opened
    refused = zhang.send("办结 已固定井盖")  # no photo yet: a patrol find needs one
    assert "需附至少一张现场照片" in refused and "直接发送现场照片" in refused
    assert zhang.send_xml(
        "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o_worker_01]]>"
        "</FromUserName><CreateTime>1700000001</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        "<PicUrl><![CDATA[http://img/p.jpg]]></PicUrl><MediaId><![CDATA[mp]]></MediaId>"
        "<MsgId>9302</MsgId></xml>").startswith(f"已将照片加入工单 {ticket.number}")
    assert zhang.send("办结 已固定井盖") == f"已办结：工单 {ticket.number}（5栋门口井盖松动）"
    [photo] = rows(svc, Photo)
    [resolved] = [e for e in rows(svc, TicketEvent) if e.action == "resolved"]
    assert resolved.data["photo_ids"] == [photo.id]


def test_an_emergency_seen_to_in_plain_words_is_resolved(chat, client, svc):
    chat.send("救命 我爸在厕所晕倒了 叫不醒")
    [ticket] = rows(svc, Ticket)
    zhang = Chat(client, "o_worker_01")
    assert zhang.send("好的马上到").startswith(f"已接单：工单 {ticket.number}")
    assert zhang.send("已送医 120已经拉走了").startswith(f"已办结：工单 {ticket.number}")
    assert rows(svc, Ticket)[0].status == "resolved"


def test_the_leader_grants_more_time_with_a_plain_yes(chat, client, svc, worker):
    chat.send("三单元楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    zhang, leader = Chat(client, "o_worker_01"), Chat(client, "o_leader_01")
    assert leader.send("同意") == "目前没有等待您批准的延期申请。"
    zhang.send("接单")
    assert zhang.send("申请延期 灯具要订货").startswith("已申请延期")
    assert leader.send("同意").startswith(f"已延期：工单 {ticket.number}")
    [ticket] = rows(svc, Ticket)
    assert ticket.extension_reason == "灯具要订货"  # the resident hears why, not "同意"
    told = received(svc, worker)[chat.openid]
    assert any("因灯具要订货，办理时限延长至" in text for text in told)


def test_a_time_promised_takes_the_ticket_and_the_resident_hears_it(chat, client, svc, worker):
    chat.send("三单元楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    zhang = Chat(client, "o_worker_01")
    reply = zhang.send("在忙 下午过去")
    assert reply.startswith(f"已接单：工单 {ticket.number}") and reply.endswith("已告知居民：在忙 下午过去")
    assert rows(svc, Ticket)[0].status == "accepted"
    assert zhang.send("明天上午9点上门").startswith(f"已回复：工单 {ticket.number}")  # in hand: told
    told = received(svc, worker)[chat.openid]
    assert [t.split("\n")[0] for t in told] == [
        f"【工单 {ticket.number}】张伟回复：在忙 下午过去", f"【工单 {ticket.number}】张伟回复：明天上午9点上门"]


def test_at_night_tomorrow_morning_is_a_time_promised(chat, client, svc, clock):
    clock.at(hours=14)  # 23:00
    chat.send("暖气突然不热了 家里有老人")
    [ticket] = rows(svc, Ticket)
    reply = Chat(client, "o_worker_01").send("在忙 明早过去")  # not the command list
    assert reply.startswith(f"已接单：工单 {ticket.number}") and reply.endswith("已告知居民：在忙 明早过去")


def test_what_happens_next_with_its_time_is_told_to_the_resident(chat, client, svc, worker):
    """A pipe burst: the worker, on site, types what was done and what comes next."""
    chat.send("我家水管爆了 水流了一地")
    [ticket] = rows(svc, Ticket)
    zhang = Chat(client, "o_worker_01")
    zhang.send("收到 马上到")
    assert zhang.send("已经关了总阀 明天找人换管子").startswith(f"已回复：工单 {ticket.number}")
    assert rows(svc, Ticket)[0].status == "accepted"  # not done: the pipe is still to change
    told = received(svc, worker)[chat.openid]
    assert told[-1].split("\n")[0] == f"【工单 {ticket.number}】张伟回复：已经关了总阀 明天找人换管子"


def test_a_question_about_time_promises_nothing(chat, client, svc, worker):
    chat.send("三单元楼道灯坏了")
    zhang = Chat(client, "o_worker_01")
    for words in ("下午能过去吗", "还没修好 明天再来", "明天不过去了", "明天修吗", "明天再说吧"):
        reply = zhang.send(words)
        assert reply.startswith("您的待办") and "如是巡查发现的问题" not in reply
    assert rows(svc, Ticket)[0].status == "assigned"
    assert chat.openid not in received(svc, worker)


def test_an_emergency_acknowledged_ended_and_joined_in_plain_words(chat, client, svc, worker):
    chat.send("楼道里有烟 好像谁家着火了")
    [ticket] = rows(svc, Ticket)
    zhang, zhou = Chat(client, "o_worker_01"), Chat(client, "o_leader_01")
    # "收到" is the answer the 【特急】 push asked for: taken, its minutes' clock stopped
    assert zhang.send("收到").startswith(f"已接单：工单 {ticket.number}")
    # the grid leader, alerted too, goes: the resident hears it and 张伟 keeps the ticket
    assert zhou.send("收到 我马上过去").startswith("已告知居民：收到 我马上过去\n"
                                              f"工单 {ticket.number}（楼道里有烟 好像谁家着火了）仍由网格员张伟")
    assert rows(svc, Ticket)[0].assignee.name == "张伟"
    assert zhou.send("火灭了 没人受伤") == f"已办结：工单 {ticket.number}（楼道里有烟 好像谁家着火了）"
    told = received(svc, worker)[chat.openid]
    assert f"【工单 {ticket.number}】周建国回复：收到 我马上过去" in told[1]
    assert "处理结果：火灭了 没人受伤" in told[-1]


def test_taken_to_hospital_out_of_danger_ends_it_and_a_normal_ticket_is_not_taken_by_a_nod(
        chat, client, svc):
    chat.send("我家老人摔倒了 起不来 头上流血")
    chat.send("新问题")
    chat.send("三单元楼道灯坏了")
    fall, lamp = rows(svc, Ticket)
    zhang = Chat(client, "o_worker_01")
    assert zhang.send("收到").startswith("您目前没有待确认的调度任务")  # two waiting: which?
    zhang.send(f"接单 {fall.number}")
    assert zhang.send(f"{fall.number} 已送医 没有生命危险").startswith(f"已办结：工单 {fall.number}")
    assert zhang.send("收到").startswith("您目前没有待确认的调度任务")  # the lamp: a nod is no 接单
    assert [t.status for t in rows(svc, Ticket)] == ["resolved", "assigned"]
