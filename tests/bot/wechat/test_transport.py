"""The real WeChat API client (wechatpy) against a fake of WeChat's HTTP API.

The fake is a real HTTP server on a loopback port: GridDesk's transport, wechatpy and
requests all run for real, and the access token is cached in the real Redis.
"""
from __future__ import annotations

import json
import time
from datetime import timedelta
from itertools import count as counter

import pytest
import time_machine

from bot.wechat.jobs import requeue_stale_outbox
from bot.wechat.transport import WeChatTransport
from store.models import LocalDelivery, Outbox, Ticket
from store.vocab import CHINA

from tests.fake_wechat import real_wechat, web, wechat  # noqa: F401 (fixtures)
from tests.support import Chat, count, rows, run_worker

WORKER = "o_worker_01"  # the demo grid worker of the demo resident's grid


_residents = counter(1)


def complain(app, demo, text: str) -> Ticket:
    """A resident of the demo's first grid (joined by its QR code) reports a problem.

    A new resident each time: a second message soon after the first reads as more about it.
    """
    resident = Chat(app.test_client(), f"o_resident_{next(_residents)}")
    assert "已为您绑定" in resident.event("subscribe", f"qrscene_grid:{demo.FIRST_GRID}")
    reply = resident.send(text)
    ticket = rows(app.extensions["griddesk"], Ticket)[-1]
    assert f"工单号 {ticket.number}" in reply  # 已受理…, or an emergency's number to call first
    return ticket


def notices_to_worker(app) -> list[Outbox]:
    return rows(app.extensions["griddesk"], Outbox, Outbox.to_openid == WORKER)


def test_a_complaint_reaches_the_grid_worker_as_a_wechat_template_message(real_wechat, demo,
                                                                         wechat):
    web = real_wechat(public_base_url="https://grid.example.gov.cn/")
    ticket = complain(web, demo, "楼道灯坏了三天了，晚上太黑")
    assert wechat.calls == []  # nothing is sent inside the resident's request

    run_worker(web)

    [message] = wechat.messages()
    assert message.path == "/cgi-bin/message/template/send"
    assert message.body["touser"] == WORKER and message.body["template_id"] == "TPL"
    # What the worker's phone shows: the number, what, where, the deadline and what to do,
    # each whole; the ticket page one tap away for the rest.
    [shown] = wechat.phone(WORKER)
    due = ticket.accept_by.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    assert shown.lines == [("工单编号", ticket.number), ("工单类型", "投诉·路灯/井盖/道路"),
                           ("所在网格", "幸福里第1网格"), ("处理时限", due),
                           ("办理提示", f"请回复「接单 {ticket.number}」接单")]
    assert shown.url == f"https://grid.example.gov.cn/console/tickets/{ticket.number}"
    assert message.access_token == wechat.issued[0]
    assert wechat.token_fetches == [{"grant_type": "client_credential",
                                     "appid": web.extensions["griddesk"].settings.wechat_app_id,
                                     "secret": "s"}]
    [notice] = notices_to_worker(web)
    assert notice.status == "sent" and notice.attempts == 1 and notice.last_error is None
    assert count(web.extensions["griddesk"], LocalDelivery) == 0  # it went to WeChat


def test_the_access_token_is_fetched_once_and_shared_by_every_process(real_wechat, demo,
                                                                      wechat):
    first, second = real_wechat(), real_wechat()  # two processes: one Redis, no shared memory
    complain(first, demo, "小区垃圾堆放没人清运")
    run_worker(first)
    complain(second, demo, "晚上广场舞噪音太吵")
    run_worker(second)

    assert len(wechat.messages("template")) == 2
    assert len(wechat.token_fetches) == 1
    assert {call.access_token for call in wechat.messages()} == {wechat.issued[0]}
    assert all(notice.status == "sent" for notice in notices_to_worker(first))


def test_a_token_near_the_end_of_its_two_hours_is_renewed_once_for_everyone(real_wechat,
                                                                           demo, wechat):
    first, second = real_wechat(), real_wechat()
    complain(first, demo, "小区垃圾堆放没人清运")
    run_worker(first)
    with time_machine.travel(time.time() + 7200 - 30, tick=False):
        complain(first, demo, "井盖松动了")
        run_worker(first)
        complain(second, demo, "路灯不亮")
        run_worker(second)
    assert [call.access_token for call in wechat.messages()] == [
        wechat.issued[0], wechat.issued[1], wechat.issued[1]]
    assert len(wechat.token_fetches) == 2


def test_a_wechat_error_leaves_the_message_pending_until_a_later_try_succeeds(web, demo,
                                                                              wechat):
    svc = web.extensions["griddesk"]
    wechat.answer_next({"errcode": -1, "errmsg": "system error"})
    complain(web, demo, "三单元楼道灯坏了")

    run_worker(web)

    [notice] = notices_to_worker(web)
    assert notice.status == "pending" and notice.attempts == 1
    assert "-1" in notice.last_error and "system error" in notice.last_error

    with time_machine.travel(svc.now() + timedelta(minutes=2), tick=False):
        with web.app_context():
            assert requeue_stale_outbox() == 1  # the clock process's sweep
        run_worker(web)

    [notice] = notices_to_worker(web)
    assert notice.status == "sent" and notice.attempts == 2 and notice.last_error is None
    assert [call.body["touser"] for call in wechat.messages("template")] == [WORKER, WORKER]


def test_a_revoked_token_is_replaced_once_and_the_message_still_goes(real_wechat, demo,
                                                                     wechat):
    first, second = real_wechat(), real_wechat()
    complain(first, demo, "小区垃圾堆放没人清运")
    run_worker(first)
    wechat.revoke_tokens()  # e.g. another system fetched a token with the same AppSecret

    complain(first, demo, "单元门禁坏了，进不去")
    run_worker(first)

    assert len(wechat.token_fetches) == 2
    assert [call.access_token for call in wechat.messages()] == [
        wechat.issued[0], wechat.issued[0], wechat.issued[1]]
    assert all(notice.status == "sent" for notice in notices_to_worker(first))

    complain(second, demo, "路灯不亮")  # another process picks up the new token from Redis
    run_worker(second)
    assert wechat.messages()[-1].access_token == wechat.issued[1]
    assert len(wechat.token_fetches) == 2


def test_a_token_that_keeps_being_refused_costs_one_fetch_per_try_not_a_storm(web, demo,
                                                                              wechat):
    wechat.every_answer = {"errcode": 40001, "errmsg": "invalid credential"}
    complain(web, demo, "楼上漏水到我家了")

    run_worker(web)

    assert len(wechat.token_fetches) == 2  # the first token, and one fresh one to retry with
    assert len(wechat.messages()) == 2
    [notice] = notices_to_worker(web)
    assert notice.status == "pending" and "40001" in notice.last_error


@pytest.mark.parametrize("slow", ["token", "message"])
def test_a_slow_wechat_fails_the_try_instead_of_holding_the_worker(web, demo, wechat, slow):
    svc = web.extensions["griddesk"]
    svc.transport = WeChatTransport(svc.settings, svc.redis, timeout=0.3)
    # WeChat would answer after 8 s; the 0.3 s timeout must end the try long before that
    # (the margin keeps a loaded machine from making this flaky).
    if slow == "token":
        wechat.token_delay = 8
    else:
        wechat.answer_next({"delay": 8})
    complain(web, demo, "小区道路路面有大坑")

    started = time.monotonic()
    run_worker(web)
    assert time.monotonic() - started < 5

    [notice] = notices_to_worker(web)
    assert notice.status == "pending" and "Timeout" in notice.last_error


def test_outside_the_48_hour_window_a_reply_goes_as_a_progress_template(real_wechat, demo,
                                                                        wechat):
    web = real_wechat(wechat_template_progress="TPL_PROGRESS")
    ticket = complain(web, demo, "楼道灯坏了，晚上很黑")
    run_worker(web)
    wechat.answer_next({"errcode": 45015, "errmsg": "response out of time limit"})
    assert Chat(web.test_client(), WORKER).send(f"接单 {ticket.number}").startswith("已接单")
    run_worker(web)

    refused, fallback = wechat.messages()[-2:]
    assert refused.path.endswith("custom/send")
    assert fallback.path.endswith("template/send")
    assert fallback.body["template_id"] == "TPL_PROGRESS"
    assert ticket.number in json.dumps(fallback.body["data"], ensure_ascii=False)
    resident_rows = [o for o in rows(web.extensions["griddesk"], Outbox)
                     if o.purpose == "accepted"]
    assert [o.status for o in resident_rows] == ["sent"]


def test_over_the_daily_quota_nothing_calls_wechat_until_it_resets(web, demo, wechat):
    from bot.wechat.errors import quota_key
    svc = web.extensions["griddesk"]
    wechat.answer_next({"errcode": 45009, "errmsg": "reach max api daily quota limit"})
    complain(web, demo, "小区垃圾堆放没人清运")
    run_worker(web)
    [notice] = notices_to_worker(web)
    assert (notice.status, notice.attempts) == ("pending", 0)  # no attempt spent
    assert "45009" in notice.last_error
    ttl = svc.redis.ttl(quota_key(svc))
    assert 60 <= ttl <= 24 * 3600

    calls = len(wechat.calls)
    complain(web, demo, "晚上广场舞噪音太吵")
    run_worker(web)
    with web.app_context():
        assert requeue_stale_outbox() == 0
    assert len(wechat.calls) == calls  # nobody knocks while the quota is used up

    svc.redis.delete(quota_key(svc))  # midnight, China time
    with time_machine.travel(svc.now() + timedelta(minutes=2), tick=False):
        with web.app_context():
            assert requeue_stale_outbox() == 2
        run_worker(web)
    assert [n.status for n in notices_to_worker(web)] == ["sent", "sent"]
