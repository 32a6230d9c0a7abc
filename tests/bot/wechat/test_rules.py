"""Every message as a real phone would receive it: WeChat's windows, quotas, template display
rules and error codes, through the fake WeChat API that keeps them (tests/wechat_rules.py)."""
from __future__ import annotations

from datetime import timedelta

import time_machine
from hypothesis import given, settings as hypothesis_settings, strategies as st

from bot.wechat.templates import fit
from store.models import Outbox, Resident, SendAllowance
from tests import wechat_rules as rules
from tests.bot.wechat.test_transport import WORKER, complain
from tests.fake_wechat import LEGACY_TEMPLATE, no_blank_lines
from tests.fake_wechat import real_wechat, web, wechat  # noqa: F401 (fixtures)
from tests.support import Chat, rows, run_worker


def resident_of(app, ticket) -> str:
    return rows(app.extensions["griddesk"], Resident, Resident.id == ticket.resident_id)[0].openid


def messages_to(app, openid: str) -> list[Outbox]:
    return rows(app.extensions["griddesk"], Outbox, Outbox.to_openid == openid)


def worker_later(app, after: timedelta, *commands: str, openid: str = WORKER) -> list[str]:
    """The grid worker (or `openid`) sends these commands some time on; the deliveries run
    then too."""
    worker = Chat(app.test_client(), openid)
    with time_machine.travel(app.extensions["griddesk"].now() + after, tick=False):
        replies = [worker.send(command) for command in commands]
        run_worker(app)
    return replies


def test_a_tickets_sixth_progress_message_arrives_as_a_template(real_wechat, demo, wechat):
    web = real_wechat(wechat_template_progress="TPL_PROGRESS")
    ticket = complain(web, demo, "楼道灯坏了三天了，晚上太黑")
    resident = resident_of(web, ticket)
    # Two minutes on, the minute after the QR scan is over; the 48 hours after the
    # resident's message allow five customer-service messages.
    replies = worker_later(web, timedelta(minutes=2), f"接单 {ticket.number}",
                           *(f"回复 {ticket.number} 第{n}次进展：师傅正在路上" for n in range(1, 5)),
                           f"办结 {ticket.number} 已更换灯泡")
    assert replies[0].startswith("已接单")

    phone = wechat.phone(resident)
    assert [shown.kind for shown in phone] == ["custom"] * 5 + ["template"]
    assert "已由" in phone[0].text and "第4次进展" in phone[4].text
    resolved = phone[5]
    assert resolved.lines[0] == ("工单编号", ticket.number)
    assert resolved.lines[1] == ("处理进度", "已办结")
    assert "已更换灯泡" in resolved.lines[2][1] and no_blank_lines(resolved)
    assert [m.channel for m in messages_to(web, resident)] == ["customer_service"] * 5 + [
        "template"]
    assert all(m.status == "sent" for m in messages_to(web, resident))
    assert not [call for call in wechat.messages("custom") if call.body["touser"] == resident
                ][5:]  # the sixth never tried WeChat's refusal first


def test_a_menu_click_allows_three_messages_for_one_minute_not_48_hours(real_wechat, demo,
                                                                       wechat):
    web = real_wechat(wechat_template_progress="TPL_PROGRESS")
    svc = web.extensions["griddesk"]
    ticket = complain(web, demo, "小区门口井盖松动了")
    resident = Chat(web.test_client(), resident_of(web, ticket))
    worker = Chat(web.test_client(), WORKER)
    later = svc.now() + timedelta(days=3)  # the 48 hours after the message are over
    with time_machine.travel(later, tick=False):
        resident.event("CLICK", "MY_TICKETS")
        worker.send(f"接单 {ticket.number}")
        for n in range(1, 4):
            worker.send(f"回复 {ticket.number} 第{n}条：明天上午来修")
        run_worker(web)
    with time_machine.travel(later + timedelta(minutes=2), tick=False):
        worker.send(f"回复 {ticket.number} 师傅已出发")
        run_worker(web)
    kinds = [shown.kind for shown in wechat.phone(resident.openid)]
    assert kinds == ["custom"] * 3 + ["template"] * 2  # three in the minute, none after
    assert [call.path.rsplit("/", 2)[1] for call in wechat.messages()
            if call.body["touser"] == resident.openid] == ["custom"] * 3 + ["template"] * 2


def test_45047_from_wechat_sends_a_template_and_the_next_message_goes_straight_as_one(
        real_wechat, demo, wechat):
    web = real_wechat(wechat_template_progress="TPL_PROGRESS")
    ticket = complain(web, demo, "垃圾桶满了没人清")
    resident = resident_of(web, ticket)
    run_worker(web)  # the worker's notice
    wechat.answer_next({"errcode": 45047, "errmsg": "out of response count limit"})
    worker = Chat(web.test_client(), WORKER)
    worker.send(f"接单 {ticket.number}")
    run_worker(web)
    worker.send(f"回复 {ticket.number} 已联系保洁")
    run_worker(web)
    assert [shown.kind for shown in wechat.phone(resident)] == ["template", "template"]
    paths = [call.path.rsplit("/", 2)[1] for call in wechat.messages()
             if call.body["touser"] == resident]
    assert paths == ["custom", "template", "template"]


def test_without_a_progress_template_a_closed_window_is_said_plainly(web, demo, wechat):
    ticket = complain(web, demo, "楼下餐馆油烟太大")
    resident = resident_of(web, ticket)
    worker_later(web, timedelta(days=3), f"接单 {ticket.number}")
    [row] = [m for m in messages_to(web, resident) if m.purpose == "accepted"]
    assert row.status == "failed" and "WECHAT_TEMPLATE_PROGRESS" in row.last_error
    assert wechat.phone(resident) == []


def test_a_historical_template_shows_every_value_whole_without_first_or_remark(
        real_wechat, demo, wechat):
    wechat.add_template("TPL_OLD", LEGACY_TEMPLATE)
    web = real_wechat(wechat_template_ticket="TPL_OLD",
                      wechat_template_ticket_keys="keyword1:工单号,keyword2:类型,keyword3:内容")
    ticket = complain(web, demo, "三号楼电梯又坏了一个星期，老人上下楼很不方便，一直没人来修")
    run_worker(web)
    [shown] = wechat.phone(WORKER)
    [call] = wechat.messages("template")
    sent = [call.body["data"][f"keyword{n}"]["value"] for n in (1, 2, 3)]
    assert [value for _, value in shown.lines] == sent  # nothing cut by WeChat
    assert shown.lines[0] == ("工单号", ticket.number)
    assert shown.lines[2][1].startswith("三号楼电梯又坏了") and len(shown.lines[2][1]) <= 20
    assert "first" not in call.body["data"] and no_blank_lines(shown)


@hypothesis_settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(rules.RULES)), value=st.text(max_size=60))
def test_every_value_is_fitted_to_what_wechat_accepts_for_its_key(kind, value):
    from datetime import datetime, timezone
    fitted = fit(f"{kind}1", value, datetime(2026, 11, 30, 4, 0, tzinfo=timezone.utc))
    assert not rules.refused_value(f"{kind}1", fitted), (value, fitted)


def test_a_resident_who_unfollowed_is_marked_and_never_sent_to_again(web, demo, wechat):
    ticket = complain(web, demo, "路灯不亮")
    resident = Chat(web.test_client(), resident_of(web, ticket))
    run_worker(web)
    resident.event("unsubscribe")
    worker = Chat(web.test_client(), WORKER)
    worker.send(f"接单 {ticket.number}")
    run_worker(web)
    [row] = [m for m in messages_to(web, resident.openid) if m.purpose == "accepted"]
    assert row.status == "failed" and row.last_error.startswith("43004")
    assert not [c for c in wechat.messages() if c.body["touser"] == resident.openid]


def test_wechat_saying_43004_or_40003_marks_the_user_and_stops(web, demo, wechat):
    first = complain(web, demo, "路灯不亮")
    second = complain(web, demo, "井盖丢了")
    run_worker(web)
    gone, wrong = resident_of(web, first), resident_of(web, second)
    wechat.unfollowed.add(gone)  # unfollowed while our callback was down
    wechat.invalid_openids.add(wrong)
    worker = Chat(web.test_client(), WORKER)
    for ticket in (first, second):
        worker.send(f"接单 {ticket.number}")
        worker.send(f"回复 {ticket.number} 马上到")
    run_worker(web)
    for openid, code in ((gone, "43004"), (wrong, "40003")):
        assert [m.status for m in messages_to(web, openid)] == ["failed", "failed"]
        assert len([c for c in wechat.messages() if c.body["touser"] == openid]) == 1
        assert code in messages_to(web, openid)[0].last_error
    marked = {a.openid: a.unreachable for a in rows(web.extensions["griddesk"], SendAllowance,
                                                     order_by=SendAllowance.openid)}
    assert (marked[gone], marked[wrong]) == ("unsubscribed", "invalid_openid")


def test_an_api_this_account_may_not_call_alerts_the_admins_and_is_not_retried(web, demo,
                                                                              wechat):
    wechat.unauthorised.add("/cgi-bin/message/template/send")
    complain(web, demo, "小区健身器材坏了")
    run_worker(web)
    [notice] = rows(web.extensions["griddesk"], Outbox, Outbox.to_openid == WORKER)
    assert notice.status == "failed" and len(wechat.messages("template")) == 1
    page = admin_page(web, "/console/deliveries")
    assert "公众号没有该接口权限" in page and "需要管理员处理" in page
    admin = web.test_client()
    admin.post("/console/login", data={"username": "admin", "password": "griddesk"})
    admin.post("/console/deliveries/alerts/48001/dismiss")  # the admin had it authorised
    assert "需要管理员处理" not in admin_page(web, "/console/deliveries")


def test_a_server_outside_the_ip_whitelist_pauses_and_names_its_address(web, demo, wechat):
    wechat.client_ip = "203.0.113.7"
    complain(web, demo, "小区健身器材坏了")
    run_worker(web)
    [notice] = rows(web.extensions["griddesk"], Outbox, Outbox.to_openid == WORKER)
    assert (notice.status, notice.attempts) == ("pending", 0)
    page = admin_page(web, "/console/deliveries")
    assert "203.0.113.7" in page and "IP 白名单" in page
    fetches = len(wechat.token_fetches)
    complain(web, demo, "楼道堆满杂物")
    run_worker(web)
    assert len(wechat.token_fetches) == fetches  # paused: nobody knocks


def test_failures_are_grouped_by_cause_in_chinese(web, demo, wechat):
    svc = web.extensions["griddesk"]
    first, second = complain(web, demo, "路灯不亮"), complain(web, demo, "井盖丢了")
    run_worker(web)
    Chat(web.test_client(), resident_of(web, first)).event("unsubscribe")
    with time_machine.travel(svc.now() + timedelta(days=3), tick=False):
        worker = Chat(web.test_client(), WORKER)
        worker.send(f"接单 {first.number}")
        worker.send(f"接单 {second.number}")
        run_worker(web)
    page = admin_page(web, "/console/deliveries")
    assert "用户已取消关注公众号，不再发送（1 条）" in page
    assert "超出客服消息时间窗口（收件人 48 小时内未发消息），且未配置模板消息（1 条）" in page


def admin_page(app, path: str) -> str:
    client = app.test_client()
    client.post("/console/login", data={"username": "admin", "password": "griddesk"})
    return client.get(path).get_data(as_text=True)



def test_the_simulator_shows_a_template_as_the_phone_would(chat, client, svc, worker):
    reply = chat.send("楼道灯坏了三天了")
    number = reply.split("工单号 ")[1][:10]
    worker()
    client.post("/console/login", data={"username": "admin", "password": "griddesk"})
    [message] = client.get(f"/console/simulator/feed?openid={WORKER}&after=0").get_json()[
        "messages"]
    lines = message["text"].split("\n")
    assert message["channel"] == "模板消息" and lines[0] == f"工单号：{number}"
    assert lines[2:] and lines[-1] == f"下一步：请回复「接单 {number}」接单"
    assert all(len(line.split("：", 1)[1]) <= 20 for line in lines)
    assert message["label"] == "详情"  # the template's url: the worker's page, in the phone
    assert message["link"].startswith(f"/m/w/tickets/{number}?t=")


def test_an_expired_token_is_renewed_once_and_the_message_still_goes(web, demo, wechat):
    complain(web, demo, "小区路面塌陷")
    wechat.answer_next({"errcode": 42001, "errmsg": "access_token expired"})
    run_worker(web)
    [notice] = rows(web.extensions["griddesk"], Outbox, Outbox.to_openid == WORKER)
    assert notice.status == "sent" and len(wechat.token_fetches) == 2
    assert [shown.kind for shown in wechat.phone(WORKER)] == ["template"]


def test_every_notice_of_a_tickets_life_shows_whole_lines_on_both_phones(real_wechat, demo,
                                                                          wechat):
    """Outside every window all of it goes as templates: WeChat takes each one (no 47003)
    and no phone shows a blank or cut line."""
    web = real_wechat(wechat_template_progress="TPL_PROGRESS")
    svc = web.extensions["griddesk"]
    ticket = complain(web, demo, "小区东门口的路灯坏了好几盏，晚上特别黑，老人出门很不安全")
    resident = resident_of(web, ticket)
    worker_later(web, timedelta(days=3), f"接单 {ticket.number}",
                 f"回复 {ticket.number} 已经联系电工，预计明天下午三点前修好，请您耐心等待",
                 f"上报 {ticket.number} 需要更换线路")
    # the grid leader holds it now: he resolves it
    worker_later(web, timedelta(days=3), f"办结 {ticket.number} 已更换灯具和线路，今晚起恢复照明",
                 openid="o_leader_01")
    assert all(m.status == "sent" for m in rows(svc, Outbox)), [
        (m.purpose, m.last_error) for m in rows(svc, Outbox) if m.status != "sent"]
    progress = wechat.phone(resident)
    assert [shown.lines[1][1] for shown in progress] == ["已接单", "有新回复", "已升级督办",
                                                          "已办结"]
    everyone = [shown for phone in wechat.phones.values() for shown in phone]
    assert len(everyone) > len(progress) + 1  # the worker, and the leader it went up to
    for shown in everyone:
        assert shown.kind == "template" and no_blank_lines(shown)
        assert shown.lines[0] == ("工单编号", ticket.number)
