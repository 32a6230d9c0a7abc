"""未受理留言 in the console: what the account could not place waits for an agent, who opens
it as a ticket, answers it, or sets it aside with a reason. Real webhook, app and worker."""
import re

from store.models import HeldMessage, LocalDelivery, Ticket

from tests.bot.console.test_console import login
from tests.support import Chat, count, rows

PUZZLE = "这个怎么说呢"  # no topic, too short to name a matter: nobody can place it
FILE = ("<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
        "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[file]]></MsgType>"
        "<Title><![CDATA[物业费收据.pdf]]></Title><FileKey><![CDATA[k1]]></FileKey>"
        "<MsgId>{msg_id}</MsgId></xml>")


def received(svc, openid):
    return [d.payload["text"] for d in rows(svc, LocalDelivery, LocalDelivery.to_openid == openid)]


def the_held(svc, text):
    [found] = rows(svc, HeldMessage, HeldMessage.text == text)
    return found


def test_an_agent_opens_a_message_nobody_could_place_as_a_ticket(client, chat, svc, worker):
    reply = chat.send(PUZZLE)
    assert "会有人看到" in reply and count(svc, Ticket) == 0
    held = the_held(svc, PUZZLE)
    assert held.status == "waiting" and held.guess["category"] == "其他"

    login(client, "worker04")  # 和平第1网格's worker: another grid, another resident
    assert PUZZLE not in client.get("/console/held").get_data(as_text=True)
    assert client.post(f"/console/held/{held.id}/open",
                       data={"kind": "complaint", "category": "物业服务"}).status_code == 404
    dismissed = client.post("/console/held/dismiss", follow_redirects=True,
                            data={"ids": [held.id], "reason": "不是我的网格"})
    assert "已将 0 条留言标记为不予受理" in dismissed.get_data(as_text=True)
    assert the_held(svc, PUZZLE).status == "waiting"

    login(client, "worker01")  # 张伟, the resident's grid worker
    page = client.get("/console/held").get_data(as_text=True)
    assert PUZZLE in page and "幸福里第1网格" in page
    assert re.search(r'未受理留言<span class="badge" id="held-badge">1</span>', page)
    assert "未受理留言<b>1</b>" in client.get("/console/").get_data(as_text=True)

    opened = client.post(f"/console/held/{held.id}/open", follow_redirects=True, data={
        "kind": "complaint", "category": "物业服务", "urgency": "normal",
        "description": "居民反映物业问题（原话：真是的，这都什么事啊），请电话回访了解"})
    [ticket] = rows(svc, Ticket)
    assert f"已转为工单 {ticket.number}" in opened.get_data(as_text=True)
    assert (ticket.kind, ticket.category, ticket.department) == ("complaint", "物业服务", "住建")
    assert ticket.grid.name == "幸福里第1网格" and ticket.assignee.name == "张伟"
    held = the_held(svc, PUZZLE)
    assert (held.status, held.ticket_id, held.handled_by.name) == ("opened", ticket.id, "张伟")

    again = client.post(f"/console/held/{held.id}/open", follow_redirects=True,
                        data={"kind": "complaint", "category": "物业服务"})
    assert "这条留言已由张伟处理" in again.get_data(as_text=True) and count(svc, Ticket) == 1

    worker()
    [told] = received(svc, chat.openid)
    assert told.startswith(f"您的留言已受理，工单号 {ticket.number}")
    assert any(ticket.number in text for text in received(svc, "o_worker_01"))


def test_an_agent_answers_one_message_and_sets_small_talk_aside_in_one_go(client, chat, svc,
                                                                        worker, app):
    chat.send("在吗")
    chat.send("真是的")
    assert "工作人员会查看" in chat.send_xml(FILE.format(openid=chat.openid, msg_id=9101))
    stranger = Chat(client, "o_stranger")  # bound to no grid: the district's agents see it
    stranger.send(PUZZLE)
    [document] = rows(svc, HeldMessage, HeldMessage.msg_type == "file")
    assert document.attachment["title"] == "物业费收据.pdf" and document.text is None

    login(client, "community001001")  # 幸福里社区工作站
    page = client.get("/console/held").get_data(as_text=True)
    assert "在吗" in page and "物业费收据.pdf" in page and PUZZLE not in page

    greeting = the_held(svc, "在吗")
    answered = client.post(f"/console/held/{greeting.id}/reply", follow_redirects=True,
                           data={"text": "您好，在的。请问遇到了什么问题？"})
    assert "已回复居民" in answered.get_data(as_text=True)

    aside = [the_held(svc, "真是的").id, document.id]
    refused = client.post("/console/held/dismiss", data={"ids": aside, "reason": " "},
                          follow_redirects=True)
    assert "请写明不予受理的原因" in refused.get_data(as_text=True)
    client.post("/console/held/dismiss", data={"ids": aside, "reason": "问候或闲聊，无需处理"})
    for held in rows(svc, HeldMessage, HeldMessage.id.in_(aside)):
        assert (held.status, held.note) == ("dismissed", "问候或闲聊，无需处理")
        assert held.handled_by.name == "幸福里社区工作站" and held.handled_at is not None
    handled = client.get("/console/held?tab=handled").get_data(as_text=True)
    assert "不予受理：问候或闲聊，无需处理" in handled and "已回复：您好，在的" in handled
    assert "没有待处理的留言" in client.get("/console/held").get_data(as_text=True)

    login(client, "district")
    assert PUZZLE in client.get("/console/held").get_data(as_text=True)

    app.config["WTF_CSRF_ENABLED"] = True  # as in production: a forged form changes nothing
    stray = the_held(svc, PUZZLE)
    assert client.post("/console/held/dismiss",
                       data={"ids": [stray.id], "reason": "x"}).status_code == 400
    assert the_held(svc, PUZZLE).status == "waiting"

    worker()
    assert received(svc, chat.openid) == ["【网格服务台】您好，在的。请问遇到了什么问题？"]
    assert count(svc, Ticket) == 0


def test_agents_see_a_person_not_an_openid(client, chat, svc, worker):
    """居民 #id, the phone they gave (masked), their grid; the openid only a click away on the
    ticket page; a phone given in another grid's ticket stays out of this agent's sight."""
    from datetime import datetime, timedelta, timezone

    import time_machine

    from store.models import Resident
    with time_machine.travel(datetime.now(timezone.utc) - timedelta(days=2)):
        chat.send("楼道灯坏了，电话13812345678")
    [ticket] = rows(svc, Ticket)
    chat.send(PUZZLE)  # two days on: no longer words about that ticket
    [resident] = rows(svc, Resident, Resident.openid == chat.openid)
    login(client, "worker01")
    page = client.get("/console/held").get_data(as_text=True)
    row = page[page.index(PUZZLE) - 600:page.index(PUZZLE)]
    assert f"居民 #{resident.id} · 138****5678 · 幸福里第1网格" in row
    assert ">o_demo" not in page and "13812345678" not in page
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert f"居民 #{resident.id} · 138****5678 · 幸福里第1网格" in page
    assert f"<summary>微信 openid</summary><code>{chat.openid}</code>" in page

    stranger = Chat(client, "o_someone_new")  # no grid, no phone: the number alone
    stranger.send(PUZZLE + "啊")
    [new] = rows(svc, Resident, Resident.openid == "o_someone_new")
    login(client, "district")
    page = client.get("/console/held").get_data(as_text=True)
    assert f">居民 #{new.id}</td>" in page and ">o_someone_new" not in page


def test_an_agent_sees_the_picture_a_held_message_brought_and_nobody_outside_does(
        app, client, chat, svc, worker):
    from store.models import Photo
    from tests.bot.wechat.test_photos import EVIL, image_xml
    assert chat.send_xml(image_xml(chat.openid, "sim-media-held", EVIL, 9301))  # no ticket yet
    [held] = rows(svc, HeldMessage)
    worker()  # the picture is downloaded and kept, as any resident's picture
    [photo] = rows(svc, Photo)
    assert (photo.status, photo.ticket_id) == ("stored", None)

    login(client, "worker01")  # 张伟: the resident's grid
    page = client.get("/console/held").get_data(as_text=True)
    assert f"/console/photos/{photo.id}" in page and "tracker.png" not in page
    shown = client.get(f"/console/photos/{photo.id}")
    assert shown.status_code == 200 and shown.data == photo.data
    other = app.test_client()
    login(other, "worker02")  # 王芳, another grid: neither the message nor its picture
    assert f"/console/photos/{photo.id}" not in other.get("/console/held").get_data(as_text=True)
    assert other.get(f"/console/photos/{photo.id}").status_code == 404

    opened = client.post(f"/console/held/{held.id}/open", data={
        "kind": "complaint", "category": "路灯/井盖/道路", "urgency": "normal",
        "description": "居民发来照片：楼道灯坏了"}, follow_redirects=True).get_data(as_text=True)
    assert f"/console/photos/{photo.id}" in opened and "未能保存" not in opened  # the ticket's now
    assert client.get(f"/console/photos/{photo.id}").status_code == 200


def test_a_picture_sent_before_the_words_is_shown_on_the_ticket_the_words_open(
        client, chat, svc, worker):
    from store.models import Photo
    from tests.bot.wechat.test_photos import EVIL, image_xml
    chat.send_xml(image_xml(chat.openid, "sim-media-first", EVIL, 9302))
    worker()
    number = chat.send("3栋楼道灯坏了，照片刚才发了").split("工单号 ")[1][:10]
    [photo] = rows(svc, Photo)
    login(client, "worker01")
    page = client.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert f"/console/photos/{photo.id}" in page and "未能保存" not in page
