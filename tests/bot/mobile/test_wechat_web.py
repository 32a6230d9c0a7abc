"""Real WeChat: OAuth2 web authorization (snsapi_base) names who opens a page, and the JS-SDK's
wx.config is signed with the account's shared jsapi_ticket (against the faked API)."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import requests
import time_machine

from bot.mobile.jssdk import jsapi_signature, wx_config
from tests.bot.mobile.test_auth import link, probe_app
from tests.fake_wechat import real_wechat, wechat  # noqa: F401  (fixtures)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def open_in_wechat(phone, url: str):
    """What WeChat's browser does: the page sends it to WeChat's authorize page, which comes
    back with a code, and the page opens."""
    first = phone.get(path_of(url))
    assert first.status_code == 302, first.get_data(True)
    authorize = first.headers["Location"]
    back = requests.get(authorize, allow_redirects=False, timeout=5)
    assert back.status_code == 302, back.text
    returned = phone.get(path_of(back.headers["Location"]))
    if returned.status_code != 302:
        return returned, back.headers["Location"]
    return phone.get(returned.headers["Location"]), back.headers["Location"]


def test_oauth_names_the_person_and_the_page_opens_for_them(real_wechat, wechat):
    app, acted = probe_app(real_wechat)
    url = link(app, "o_alice", number="2611230001")
    wechat.browser_openid = "o_alice"
    phone = app.test_client()
    first = phone.get(path_of(url))
    authorize = urlsplit(first.headers["Location"])
    assert authorize.path == "/connect/oauth2/authorize"
    query = parse_qs(authorize.query)
    assert query["scope"] == ["snsapi_base"] and query["response_type"] == ["code"]
    assert query["appid"] == [app.extensions["griddesk"].settings.wechat_app_id]
    assert first.headers["Location"].endswith("#wechat_redirect")
    page, _ = open_in_wechat(phone, url)
    assert page.get_data(True) == "opened by o_alice for 2611230001"
    assert phone.post(path_of(url)).status_code == 200
    assert acted == [("o_alice", "2611230001")]


def test_a_forwarded_link_neither_opens_nor_acts_for_another_wechat_user(real_wechat, wechat):
    app, acted = probe_app(real_wechat)
    url = link(app, "o_alice", number="2611230001")
    wechat.browser_openid = "o_bob"
    bob = app.test_client()
    page, _ = open_in_wechat(bob, url)
    assert page.status_code == 403 and "发给别人" in page.get_data(True)
    assert bob.post(path_of(url)).status_code == 403
    assert acted == []


def test_a_code_is_exchanged_once(real_wechat, wechat):
    app, _ = probe_app(real_wechat)
    url = link(app, "o_alice", number="2611230001")
    wechat.browser_openid = "o_alice"
    phone = app.test_client()
    page, returned = open_in_wechat(phone, url)
    assert page.status_code == 200
    # The same code again (a reload of WeChat's redirect): WeChat answers 40029.
    again = app.test_client()  # a fresh state in this browser's session
    state = parse_qs(urlsplit(again.get(path_of(url)).headers["Location"]).query)["state"][0]
    code = parse_qs(urlsplit(returned).query)["code"][0]
    refused = again.get(f"/m/oauth?code={code}&state={state}")
    assert refused.status_code == 403 and "授权失败" in refused.get_data(True)


def test_a_return_without_the_state_this_browser_was_given_is_refused(real_wechat, wechat):
    app, _ = probe_app(real_wechat)
    wechat.browser_openid = "o_alice"
    page = app.test_client().get("/m/oauth?code=CODE_x&state=made-up")
    assert page.status_code == 403 and "重新打开" in page.get_data(True)


def test_in_wechat_an_old_link_still_opens_for_its_owner(real_wechat, wechat):
    app, _ = probe_app(real_wechat, mobile_link_ttl_seconds=600)
    url = link(app, "o_alice", number="2611230001")
    wechat.browser_openid = "o_alice"
    with time_machine.travel(timedelta(days=2)):
        page, _ = open_in_wechat(app.test_client(), url)
    assert page.status_code == 200


def test_jsapi_signature_matches_wechats_documented_example():
    # WeChat JS-SDK documentation, 附录1-JS-SDK使用权限签名算法
    ticket = ("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHK"
              "P7qg")
    assert jsapi_signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457,
                           "http://mp.weixin.qq.com?params=value") == \
        "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    assert jsapi_signature(ticket, "Wm3WZYTPz0wzccnW", 1414587457,
                           "http://mp.weixin.qq.com?params=value#top") == \
        "0f9de62fce790f9a083d5c99e95740ceb90c27ed"  # the #fragment is not signed


def test_wx_config_is_signed_with_the_ticket_every_process_shares(real_wechat, wechat):
    first, second = real_wechat(), real_wechat()
    configs = []
    for app in (first, second):
        with app.test_request_context("/m/t/2611230001?t=abc"):
            configs.append(wx_config())
    assert wechat.ticket_fetches == 1  # one fetch, shared through Redis
    (ticket,) = wechat.jsapi_tickets
    for config in configs:
        assert config["jsApiList"] == ["chooseImage", "uploadImage", "getLocation"]
        assert config["signature"] == jsapi_signature(
            ticket, config["nonceStr"], config["timestamp"],
            "http://localhost/m/t/2611230001?t=abc")


def test_no_wx_config_without_wechat(app):
    with app.test_request_context("/m/t/2611230001"):
        assert wx_config() is None


def test_the_domain_check_file_is_served_from_the_instance_folder(client, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv("GRIDDESK_INSTANCE", str(tmp_path))
    assert client.get("/MP_verify_Ab12Cd34.txt").status_code == 404  # not there yet
    (tmp_path / "MP_verify_Ab12Cd34.txt").write_text("Ab12Cd34")
    (tmp_path / "secret_key").write_text("never served")
    served = client.get("/MP_verify_Ab12Cd34.txt")
    assert served.status_code == 200 and served.get_data(as_text=True) == "Ab12Cd34"
    assert client.get("/MP_verify_..%2Fsecret_key.txt").status_code == 404


def test_a_worker_back_from_the_site_hours_later_still_resolves_from_the_page_left_open(
        real_wechat, wechat):
    """Open the ticket from the push, go and fix it, tap 办结 two hours later: the form is
    taken (the session says who is acting; its form token does not run out after an hour)."""
    import re
    from store import demo
    from store.models import Ticket
    from tests.support import Chat, demo_password_hash, rows
    app = real_wechat(extra={"TESTING": True})  # CSRF on, as in production
    svc = app.extensions["griddesk"]
    with svc.db.transaction() as session:
        demo.load(session, password_hash=demo_password_hash(), now=svc.now())
    Chat(app.test_client(), demo.DEMO_RESIDENT).send("幸福小区3栋楼道灯坏了三天")
    [ticket] = rows(svc, Ticket)
    with app.test_request_context():
        from bot.mobile.auth import page_link
        url = page_link("o_worker_01", "mobile.worker_ticket", number=ticket.number)
    wechat.browser_openid = "o_worker_01"
    phone = app.test_client()
    page, _ = open_in_wechat(phone, url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(True)).group(1)
    with time_machine.travel(timedelta(hours=2)):
        done = phone.post(path_of(url), data={"action": "resolve", "text": "已更换灯泡",
                                              "csrf_token": token}, follow_redirects=True)
    assert done.status_code == 200 and "已办结" in done.get_data(True)
    assert rows(svc, Ticket)[0].status == "resolved"
    with time_machine.travel(timedelta(hours=13)):  # past any session: told what to do
        stale = phone.post(path_of(url), data={"action": "reply", "text": "灯已换好",
                                               "csrf_token": token})
    assert stale.status_code == 400 and "请从公众号消息中的链接重新打开后再提交" in stale.get_data(True)
