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
    forged = client.post("/console/tickets/2612010001/act", data={"action": "note"})
    page = forged.get_data(as_text=True)  # a form from another site, or one left open too long
    assert forged.status_code == 400 and "请返回并刷新页面后重试" in page and "CSRF" not in page


def test_health_reports_database_and_redis(client, make_app):
    assert client.get("/healthz").get_json() == {"database": "ok", "redis": "ok",
                                                "status": "ok", "transport": "local"}
    degraded = make_app(redis_url="redis://127.0.0.1:1/0").test_client().get("/healthz")
    assert degraded.status_code == 200
    assert degraded.get_json()["redis"].startswith("unavailable")


def test_password_guessing_from_one_address_is_slowed_down(client, demo, make_app):
    for n in range(10):  # one address trying many names
        assert login(client, f"worker{n + 1:02d}", "guess").status_code == 200
    refused = login(client, "admin", "griddesk")
    assert refused.status_code == 429
    assert "登录尝试过于频繁" in refused.get_data(as_text=True)
    elsewhere = client.post("/console/login", data={"username": "admin", "password": "griddesk"},
                            environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert elsewhere.status_code == 302  # another address is not punished


def test_guessing_one_name_from_many_addresses_is_limited_per_name(client, demo):
    for n in range(10):
        assert client.post("/console/login", data={"username": "admin", "password": "guess"},
                           environ_base={"REMOTE_ADDR": f"10.9.0.{n}"}).status_code == 200
    refused = client.post("/console/login", data={"username": "admin", "password": "griddesk"},
                          environ_base={"REMOTE_ADDR": "10.9.1.1"})
    assert refused.status_code == 429 and "登录失败次数过多" in refused.get_data(as_text=True)
    other = client.post("/console/login", data={"username": "district", "password": "griddesk"},
                        environ_base={"REMOTE_ADDR": "10.9.1.1"})
    assert other.status_code == 302  # the next name is not locked


def test_the_login_limiter_runs_on_the_console_and_not_on_the_webhook(client, chat, monkeypatch):
    """Flask-Limiter's hooks are skipped for WeChat's callback (nothing there is limited by
    it: bot/console/auth.py), and still run for the login form."""
    from flask import request
    from flask_limiter import Limiter
    seen = []
    identify = Limiter.identify_request

    def noting(self):
        seen.append(request.endpoint)
        return identify(self)

    monkeypatch.setattr(Limiter, "identify_request", noting)
    assert chat.send("3栋楼道灯坏了三天了").startswith("已受理")
    assert seen == []
    assert login(client, "worker01", "guess").status_code == 200
    assert seen and set(seen) == {"console.login"}


def test_x_forwarded_for_is_believed_only_from_trusted_proxies(make_app, demo, app):
    def guesses(client, addresses):
        return [client.post("/console/login", data={"username": f"worker{n % 12 + 1:02d}",
                                                    "password": "guess"},
                            headers={"X-Forwarded-For": address}).status_code
                for n, address in enumerate(addresses)]
    spoofed = make_app().test_client()  # nothing trusted: the header is anyone's to write
    assert guesses(spoofed, [f"203.0.113.{n}" for n in range(11)])[-1] == 429
    proxied = make_app(trusted_proxies="127.0.0.1/32").test_client()
    assert guesses(proxied, ["198.51.100.7"] * 11)[-1] == 429  # the real client is limited
    assert guesses(proxied, ["198.51.100.8"]) == [200]  # and another one is not


def test_login_costs_the_same_for_unknown_and_known_names(client, demo):
    import statistics
    import time

    def seconds(username):
        started = time.perf_counter()
        assert login(client, username, "wrong-password").status_code == 200
        return time.perf_counter() - started
    known = statistics.median(seconds("admin") for _ in range(4))
    unknown = statistics.median(seconds(f"nobody{n}") for n in range(4))
    # Without a hash check for unknown names they answer ~20 times faster (3 ms vs 74 ms).
    assert unknown > known * 0.5, (unknown, known)


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get("/console/")


def test_logout_ends_every_session_of_that_person(app, client, demo):
    login(client, "district")
    stolen = session_cookie(client)
    laptop = app.test_client()
    login(laptop, "district")
    assert replay(app, stolen).status_code == 200
    client.post("/console/logout")
    assert replay(app, stolen).status_code == 302  # a copied cookie is dead too
    assert laptop.get("/console/").status_code == 302  # and the other device's
    assert login(laptop, "district").status_code == 302  # a new login works


def test_a_reset_password_ends_sessions_and_must_be_changed_at_next_login(app, client, demo,
                                                                           svc):
    worker = app.test_client()
    login(worker, "worker01")
    cookie = session_cookie(worker)
    login(client, "admin")
    from store.models import Staff
    [staff] = rows(svc, Staff, Staff.username == "worker01")
    page = client.post(f"/console/staff/{staff.id}", data={"do": "password"},
                       follow_redirects=True).get_data(as_text=True)
    new = re.search(r"新密码：</strong><code>(\S+?)</code>", page).group(1)
    assert replay(app, cookie).status_code == 302
    assert worker.get("/console/").status_code == 302

    assert login(worker, "worker01", new).status_code == 302
    forced = worker.get("/console/")
    assert forced.status_code == 302 and forced.headers["Location"].endswith("/console/password")
    wrong = worker.post("/console/password", data={"current": "griddesk", "new": "n3w-secret!",
                                                   "again": "n3w-secret!"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    changed = worker.post("/console/password", data={"current": new, "new": "n3w-secret!",
                                                     "again": "n3w-secret!"})
    assert changed.status_code == 302
    assert worker.get("/console/").status_code == 200  # this device stays logged in
    assert login(app.test_client(), "worker01", new).status_code == 200  # the old one fails


def test_staff_change_their_own_password_and_other_sessions_end(app, client, demo):
    login(client, "street001")
    phone = app.test_client()
    login(phone, "street001")
    assert client.post("/console/password", data={"current": "griddesk", "new": "short",
                                                   "again": "short"}).status_code == 400
    assert client.post("/console/password", data={"current": "griddesk", "new": "longer-pass",
                                                   "again": "longer-pass"}).status_code == 302
    assert client.get("/console/").status_code == 200
    assert phone.get("/console/").status_code == 302
    assert login(app.test_client(), "street001", "longer-pass").status_code == 302


def test_guessing_the_current_password_on_an_open_session_is_limited(app, client, demo):
    login(client, "street001")
    for _ in range(3):  # a new password too short is no guess: not counted
        client.post("/console/password", data={"current": "griddesk", "new": "short",
                                               "again": "short"})
    for n in range(5):
        assert client.post("/console/password", data={"current": f"guess{n}", "new": "new-pass-1",
                                                       "again": "new-pass-1"}).status_code == 400
    refused = client.post("/console/password", data={"current": "griddesk", "new": "new-pass-1",
                                                     "again": "new-pass-1"})
    assert refused.status_code == 429 and "当前密码错误次数过多" in refused.get_data(as_text=True)
    assert login(app.test_client(), "street001", "griddesk").status_code == 302  # unchanged
    other = app.test_client()
    login(other, "worker01")
    assert other.post("/console/password", data={"current": "griddesk", "new": "new-pass-1",
                                                  "again": "new-pass-1"}).status_code == 302


def test_deactivation_ends_the_persons_sessions(app, client, demo, svc):
    from store import staffing
    from store.models import Staff
    worker = app.test_client()
    login(worker, "worker02")
    with svc.db.transaction() as session:
        staff = session.query(Staff).filter_by(username="worker02").one()
        staffing.update_staff(session, staff, role=staff.role, area=staff.area,
                              on_duty=staff.on_duty, active=False, phone=staff.phone,
                              now=svc.now())
    assert worker.get("/console/").status_code == 302


def test_background_polling_does_not_keep_an_idle_session_alive(client, demo):
    import time_machine
    from datetime import datetime, timedelta, timezone
    start = datetime(2026, 11, 30, 1, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False):
        login(client, "district")
    for minutes in range(20, 121, 20):  # pages that poll (htmx) while nobody is there
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/console/command",
                              headers={"HX-Request": "true"}).status_code == 200
    with time_machine.travel(start + timedelta(minutes=121), tick=False):
        assert client.get("/console/").status_code == 302  # 120 idle minutes: logged out


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
    assert ">张伟（网格员）</td>" in page and ">o_worker_01<" not in page  # a person, not an id
    [row] = rows(svc, Outbox)
    response = client.post(f"/console/deliveries/{row.id}/retry")
    assert response.status_code == 302
    worker()
    assert rows(svc, Outbox)[0].status == "sent"
    assert "没有发送异常的消息" in client.get("/console/deliveries").get_data(as_text=True)
    client.post("/console/logout")
    login(client, "worker01")
    assert client.get("/console/deliveries").status_code == 403


def test_deactivation_by_import_ends_sessions_that_reactivation_does_not_revive(app, demo,
                                                                                 svc):
    import io

    from store import people_io
    worker = app.test_client()
    login(worker, "worker03")

    def import_active(flag):
        with svc.db.transaction() as session:
            people_io.import_staff(session, io.StringIO(
                f"username,name,role,area_code,active\nworker03,李娜,grid_worker,"
                f"330199001001003,{flag}\n"))
    import_active("no")
    assert worker.get("/console/").status_code == 302
    import_active("yes")
    assert worker.get("/console/").status_code == 302  # the old cookie stays dead


def readable_session(client) -> str:
    """The session cookie as anyone holding it reads it: signed, not encrypted (no key needed)."""
    import base64
    import zlib
    cookie = client.get_cookie("session").value
    payload = cookie.split(".")[1] if cookie.startswith(".") else cookie.split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(data) if cookie.startswith(".") else data).decode()


def test_a_new_or_reset_password_is_shown_once_on_its_page_and_never_kept_in_the_cookie(
        app, client, demo, svc):
    app.config["WTF_CSRF_ENABLED"] = False
    login(client, "community001001")
    from store.models import Area, Staff
    [grid] = rows(svc, Area, Area.code == "330199001001003")
    first = "Qian-d0-first"
    made = client.post("/console/staff", data={"username": "worker99", "name": "钱多",
                                                "role": "grid_worker", "area": grid.id,
                                                "password": first})
    assert first not in readable_session(client)  # as a flash message it was
    assert "已创建账号 worker99，初始密码：" in made.get_data(as_text=True)
    assert first in made.get_data(as_text=True)
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    [staff] = rows(svc, Staff, Staff.username == "worker99")
    again = client.get(f"/console/staff/{staff.id}").get_data(as_text=True)
    assert "钱多" in again and first not in again  # shown once: gone on the next visit

    reset = client.post(f"/console/staff/{staff.id}", data={"do": "password"})
    new = re.search(r"新密码：</strong><code>([\w-]+)", reset.get_data(as_text=True)).group(1)
    assert new not in readable_session(client)
    assert reset.headers["Cache-Control"] == "no-store"
    assert new not in client.get(f"/console/staff/{staff.id}").get_data(as_text=True)
    assert login(app.test_client(), "worker99", new).status_code == 302  # it is the password
