"""The console: login, scope, the ticket page, the recorded messages, health."""
import re

import pytest

from store.models import Ticket

from tests.support import rows


def login(client, username, password="griddesk"):
    return client.post("/console/login", data={"username": username, "password": password})


def test_pages_need_a_login(client, demo):
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_a_wrong_password_is_refused_politely(client, demo):
    response = login(client, "admin", "wrong-password")
    assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_an_agent_sees_the_new_ticket_and_its_timeline(client, chat, svc):
    chat.send("小区路灯坏了一排")
    [ticket] = rows(svc, Ticket)
    assert login(client, "district").status_code == 302
    inbox = client.get("/console/").get_data(as_text=True)
    assert ticket.number in inbox and "张伟" in inbox and "待接单" in inbox
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "小区路灯坏了一排" in page and "路灯" in page and "幸福里第1网格" in page


def test_a_worker_cannot_open_another_grids_ticket(client, chat, svc):
    chat.send("楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    login(client, "worker02")  # 王芳, grid 2 of 幸福里
    assert client.get(f"/console/tickets/{ticket.number}").status_code == 404
    assert ticket.number not in client.get("/console/").get_data(as_text=True)
    client.post("/console/logout")
    login(client, "community001001")  # the community above both grids sees it
    assert client.get(f"/console/tickets/{ticket.number}").status_code == 200


def test_the_recorded_notification_is_shown(client, chat, worker):
    chat.send("小区垃圾清运不及时")
    worker()
    login(client, "admin")
    page = client.get("/console/messages").get_data(as_text=True)
    assert "o_worker_01" in page and "新工单" in page and "本地记录" in page
    client.post("/console/logout")
    login(client, "worker02")  # every resident's messages are not a grid worker's to read
    assert client.get("/console/messages").status_code == 403
    assert "消息记录" not in client.get("/console/").get_data(as_text=True)


def test_login_needs_a_csrf_token(make_app, demo, app):
    strict = make_app(extra={"TESTING": True})  # CSRF on, as in production
    client = strict.test_client()
    assert login(client, "admin").status_code == 400
    form = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/console/login", data={"username": "admin", "password": "griddesk",
                                                    "csrf_token": token})
    assert response.status_code == 302


def test_health_reports_database_and_redis(client, make_app):
    assert client.get("/healthz").get_json() == {"database": "ok", "redis": "ok",
                                                "status": "ok", "transport": "local"}
    degraded = make_app(redis_url="redis://127.0.0.1:1/0").test_client().get("/healthz")
    assert degraded.status_code == 200
    assert degraded.get_json()["redis"].startswith("unavailable")


def test_password_guessing_from_one_address_is_slowed_down(client, demo, make_app):
    for _ in range(10):
        assert login(client, "admin", "guess").status_code == 200  # 用户名或密码错误
    refused = login(client, "admin", "griddesk")
    assert refused.status_code == 429
    assert "登录尝试过于频繁" in refused.get_data(as_text=True)
    elsewhere = client.post("/console/login", data={"username": "admin", "password": "griddesk"},
                            environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert elsewhere.status_code == 302  # another address is not punished


def test_logins_go_on_when_redis_is_down(make_app, demo, app):
    down = make_app(redis_url="redis://127.0.0.1:1/0").test_client()
    assert login(down, "admin").status_code == 302


def test_cookies_are_secure_behind_https(make_app, demo, app):
    client = make_app(secure_cookies=1).test_client()
    response = login(client, "admin")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    from datetime import datetime, timezone
    from email.utils import parsedate_to_datetime
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    hours = (expires - datetime.now(timezone.utc)).total_seconds() / 3600
    assert 11 < hours <= 12  # CONSOLE_SESSION_HOURS, not Flask's 31 days


def test_messages_wechat_gave_up_on_are_shown_and_can_be_sent_again(client, chat, svc, worker):
    from sqlalchemy import update

    from store.models import Outbox
    chat.send("小区路灯坏了")
    with svc.db.transaction() as session:  # as a delivery that used up its attempts leaves it
        session.execute(update(Outbox).values(status="failed", attempts=8,
                                              last_error="WeChatClientException: 43004"))
    [ticket] = rows(svc, Ticket)
    login(client, "district")
    page = client.get("/console/deliveries").get_data(as_text=True)
    assert "已放弃" in page and "43004" in page and ticket.number in page
    assert "新工单" in page and "ticket_assigned" not in page  # no English codes to read
    [row] = rows(svc, Outbox)
    response = client.post(f"/console/deliveries/{row.id}/retry")
    assert response.status_code == 302
    worker()
    assert rows(svc, Outbox)[0].status == "sent"
    assert "没有发送异常的消息" in client.get("/console/deliveries").get_data(as_text=True)
    client.post("/console/logout")
    login(client, "worker01")
    assert client.get("/console/deliveries").status_code == 403
