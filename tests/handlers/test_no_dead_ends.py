"""No dead ends: every ticket reaches a person who is told, every conversation stays one
thread. Each case goes through the real webhook and the real delivery worker, and asserts who
received which push (what the local transport delivered)."""
from collections import defaultdict
from sqlalchemy import update

from bot.wechat.jobs import close_and_revisit, sweep_sla
from store.models import LocalDelivery, Staff, Ticket, TicketEvent
from tests.handlers.test_locating import location_xml
from tests.support import Chat, rows


def received(svc, worker) -> dict[str, list[str]]:
    """Deliver everything queued, then: openid → the titles (or texts) it received."""
    worker()
    got = defaultdict(list)
    for row in rows(svc, LocalDelivery):
        got[row.to_openid].append(row.payload["title"] if row.channel == "template"
                                  else row.payload["text"])
    return dict(got)


def only_ticket(svc) -> Ticket:
    [ticket] = rows(svc, Ticket)
    return ticket


def staff_change(svc, username, **values):
    with svc.db.transaction() as session:
        session.execute(update(Staff).where(Staff.username == username).values(**values))


def test_an_sos_from_nowhere_reaches_every_duty_officer_and_the_nearest_worker(
        client, demo, svc, worker):
    with svc.db.transaction() as session:
        district = session.get(Staff, 2)
        session.add(Staff(username="night", name="夜班值班员", role="district",
                          area=district.area, openid="o_night"))
    stranger = Chat(client, "o_far_away")
    stranger.send_xml(location_xml(stranger.openid, 30.35, 120.10, 91))  # 8 km from any grid
    reply = stranger.event("CLICK", "SOS")
    ticket = only_ticket(svc)
    assert ticket.grid is None and ticket.urgency == "emergency" and ticket.number in reply
    got = received(svc, worker)
    assert got["o_district"] == [f"【特急】新工单 {ticket.number}"]
    assert got["o_night"] == [f"【特急】新工单 {ticket.number}"]
    assert got["o_worker_07"] == [f"【特急】【附近紧急求助】 {ticket.number}"]  # 翠苑第1网格
    assert "admin" not in {t.assignee.username for t in rows(svc, Ticket)}


def test_a_pool_complaint_is_told_to_the_duty_officer_and_the_address_places_it(
        client, demo, svc, worker, clock):  # by day: at night 已转交 waits for the morning
    stranger = Chat(client, "o_stranger")
    reply = stranger.send("路边井盖松了，一直没人管")
    number = only_ticket(svc).number
    assert "小区、楼栋" in reply
    assert received(svc, worker)["o_district"] == [f"新工单 {number}"]

    reply = stranger.send("在翠苑小区5栋门口")  # the answer to "where is it?"
    ticket = only_ticket(svc)  # no second ticket
    assert (ticket.grid.name, ticket.assignee.name, ticket.address) == (
        "翠苑第2网格", "黄敏", "翠苑小区5栋")
    assert "派往“翠苑第2网格”" in reply and number in reply
    got = received(svc, worker)
    assert got["o_worker_08"] == [f"新工单 {number}"]
    # no 居民补充 about a ticket moved away: only that it is no longer theirs
    assert got["o_district"] == [f"新工单 {number}", f"【已转交】工单 {number}"]
    [push] = [r for r in rows(svc, LocalDelivery) if r.to_openid == "o_worker_08"]
    assert ["地点", "翠苑小区5栋"] in push.payload["fields"]


def test_a_shared_location_places_the_pool_ticket(client, demo, svc, worker):
    stranger = Chat(client, "o_stranger")
    stranger.send("路边井盖松了")
    reply = stranger.send_xml(location_xml(stranger.openid, 30.2785, 120.1025, 92))
    ticket = only_ticket(svc)
    assert ticket.grid.name == "翠苑第1网格" and "派往“翠苑第1网格”" in reply
    assert received(svc, worker)["o_worker_07"] == [f"新工单 {ticket.number}"]


def test_an_unbound_assignee_is_passed_over_for_the_grid_leader(chat, svc, worker):
    staff_change(svc, "worker01", openid=None)
    reply = chat.send("三单元楼道灯坏了，晚上很黑")
    ticket = only_ticket(svc)
    assert ticket.assignee.name == "周建国" and "网格长周建国" in reply
    got = received(svc, worker)
    assert got == {"o_leader_01": [f"新工单 {ticket.number}"]}
    [why] = [e.body for e in rows(svc, TicketEvent) if e.action == "passed_over"]
    assert why == "网格员张伟未绑定微信，已推送给网格长周建国"


def test_the_district_tier_goes_to_the_duty_officer_not_the_admin(
        app, chat, client, svc, worker, clock):
    chat.send("小区门口垃圾堆放三天没人清运")
    number = only_ticket(svc).number
    for minutes in (16, 31, 60 * 25):  # accept, reply, resolve clocks: leader, community, street
        clock.at(minutes=minutes)
        with app.app_context():
            sweep_sla()
    assert only_ticket(svc).tier == "street"
    street = Chat(client, "o_street_001")
    assert street.send(f"上报 {number} 需要区里协调").startswith("已上报")
    ticket = only_ticket(svc)
    assert (ticket.tier, ticket.assignee.username) == ("district", "district")
    got = received(svc, worker)
    assert got["o_district"] == [f"【上报】需要区里协调 {number}"]
    assert [title.split(" ")[0] for title in got["o_leader_01"]] == ["【上报】超过接单时限",
                                                                    "【已转交】工单"]


def test_a_return_visit_answered_in_words_reopens_or_closes_it(app, chat, client, svc, worker,
                                                               clock):
    zhang = Chat(client, "o_worker_01")
    chat.send("楼上漏水到我家卫生间")
    number = only_ticket(svc).number
    zhang.send(f"办结 {number} 已协调楼上维修")
    chat.send("2")
    clock.at(hours=25)
    with app.app_context():
        assert close_and_revisit()["visited"] == 1
    received(svc, worker)

    reply = chat.send("还是没解决，还在滴水")
    ticket = only_ticket(svc)  # the answer, not a new ticket
    assert ticket.status == "reopened" and ticket.reopen_count == 1
    assert reply.startswith(f"已重新办理工单 {number}，张伟")
    got = received(svc, worker)
    assert got["o_worker_01"][-1] == f"【返工】居民反映未解决 {number}"



def test_a_return_visit_answered_fixed_closes_the_visit(app, chat, client, svc, worker, clock):
    chat.send("楼上漏水到我家卫生间")
    number = only_ticket(svc).number
    Chat(client, "o_worker_01").send(f"办结 {number} 已协调楼上维修")
    chat.send("1")
    clock.at(hours=25)
    with app.app_context():
        assert close_and_revisit()["visited"] == 1
    assert chat.send("解决了，谢谢") == "感谢您的回复，很高兴问题已经解决！"
    ticket = only_ticket(svc)
    assert ticket.status == "closed" and ticket.reopen_count == 0
    assert [e.action for e in rows(svc, TicketEvent)][-1] == "return_visit_answer"
    assert "o_worker_01" not in {k for k, v in received(svc, worker).items()
                                 if any("返工" in t for t in v)}


def test_small_talk_after_a_report_stays_on_the_timeline_but_is_not_pushed(chat, svc, worker):
    chat.send("三单元楼道灯坏了，晚上很黑")
    number = only_ticket(svc).number
    for words in ("谢谢", "好的👌", "你好", "5", "[强]", "好的 谢谢"):
        assert chat.send(words).startswith(f"收到。您的工单 {number} 正在处理中")
    chat.send("灯还一闪一闪的")
    got = received(svc, worker)
    assert got["o_worker_01"] == [f"新工单 {number}", f"居民补充 {number}"]
    said = [e.body for e in rows(svc, TicketEvent) if e.action == "resident_message"]
    assert said == ["谢谢", "好的👌", "你好", "5", "[强]", "好的 谢谢", "灯还一闪一闪的"]
    assert len(rows(svc, Ticket)) == 1


def test_the_report_sent_again_is_kept_but_not_pushed_twice(chat, svc, worker):
    chat.send("三单元楼道灯坏了，晚上很黑")
    ticket = only_ticket(svc)
    assert chat.send("三单元楼道灯坏了 晚上很黑！").startswith(
        f"您反映的这件事已在工单 {ticket.number} 中，网格员张伟会处理，无需重复发送。")
    assert received(svc, worker)["o_worker_01"] == [f"新工单 {ticket.number}"]
    assert len(rows(svc, Ticket)) == 1 and [e.body for e in rows(svc, TicketEvent)
                                            if e.action == "resident_message"] == [
        "三单元楼道灯坏了 晚上很黑！"]


def test_menu_words_typed_as_text_act_like_the_buttons(chat, svc, worker):
    assert chat.send("办事指南").startswith("您可以：直接描述问题来报事")
    assert chat.send("报事件").startswith("请直接发送文字描述问题")
    assert chat.send("我的工单").startswith("您还没有工单")
    assert rows(svc, Ticket) == []
    reply = chat.send("一键求助")
    ticket = only_ticket(svc)
    assert ticket.urgency == "emergency" and "110" in reply
    got = received(svc, worker)
    assert got["o_worker_01"] == [f"【特急】新工单 {ticket.number}"]
    assert got["o_leader_01"] == [f"【特急】【紧急求助】 {ticket.number}"]


def test_a_worker_reads_the_whole_ticket_with_view_and_pushes_carry_the_place(
        client, demo, svc, worker):
    stranger = Chat(client, "o_stranger")
    stranger.send("路边井盖松了")
    stranger.send_xml(location_xml(stranger.openid, 30.2785, 120.1025, 93))
    number = only_ticket(svc).number
    stranger.send("井盖旁边还有个坑")
    card = Chat(client, "o_worker_07").send(f"查看 {number}")
    assert card.startswith(f"工单 {number}（待接单）")
    assert "网格：翠苑第1网格（当前：网格员）" in card and "处理人：网格员赵磊" in card
    assert "地点：翠苑路" in card and "位置：纬度 30.27850，经度 120.10250" in card
    assert "居民补充：井盖旁边还有个坑" in card and "办结时限" in card
    got = received(svc, worker)
    assert got["o_worker_07"] == [f"新工单 {number}", f"居民补充 {number}"]
    [push] = [r for r in rows(svc, LocalDelivery) if r.to_openid == "o_worker_07"][:1]
    assert ["位置", "纬度 30.27850，经度 120.10250"] in push.payload["fields"]
    assert Chat(client, "o_worker_01").send(f"查看 {number}").startswith(f"没有找到工单 {number}")


def test_the_residents_phone_in_view_is_for_the_handler_and_masked_for_the_grid_leader(
        chat, client, svc):
    chat.send("幸福小区3栋楼道灯坏了三天，电话13912345678")
    chat.send("我另一个号码是13587654321，白天打这个")
    number = only_ticket(svc).number
    card = Chat(client, "o_worker_01").send(f"查看 {number}")  # 张伟 holds it: he calls back
    assert "电话13912345678" in card and "13587654321" in card
    card = Chat(client, "o_leader_01").send(f"查看 {number}")  # the leader only looks on
    assert "电话139****5678" in card and "135****4321" in card
    assert "13912345678" not in card and "13587654321" not in card


def test_a_typed_emergency_from_outside_every_grid_reaches_the_nearest_worker(
        client, demo, svc, worker):
    stranger = Chat(client, "o_far_away")
    stranger.send_xml(location_xml(stranger.openid, 30.35, 120.10, 94))
    stranger.send("有人晕倒了，快来人")
    ticket = only_ticket(svc)
    assert ticket.grid is None and ticket.urgency == "emergency"
    assert (ticket.lat, ticket.lng) == (30.35, 120.10)  # the place is kept for the officer
    got = received(svc, worker)
    assert got["o_district"] == [f"【特急】新工单 {ticket.number}"]
    assert got["o_worker_07"] == [f"【特急】【附近紧急求助】 {ticket.number}"]


def test_the_residents_phone_reaches_the_owner_only(client, demo, svc, worker):
    """The owner can call back; the second duty officer told of the same emergency reads the
    number masked."""
    with svc.db.transaction() as session:
        district = session.get(Staff, 2)
        session.add(Staff(username="night", name="夜班值班员", role="district",
                          area=district.area, openid="o_night"))
    Chat(client, "o_passer_by").send("路边有人晕倒了，叫不醒，我电话13912345678")
    received(svc, worker)
    pushes = {r.to_openid: dict(r.payload["fields"]) for r in rows(svc, LocalDelivery)}
    owner, copy = pushes["o_district"], pushes["o_night"]
    assert owner["居民电话"] == "13912345678" and "13912345678" in owner["内容"]
    assert "居民电话" not in copy and "139****5678" in copy["内容"]
    assert "13912345678" not in str(copy)
