"""Who may open and act on a phone page without WeChat's OAuth: the link's signed token."""
from __future__ import annotations

from datetime import timedelta

import time_machine

from bot.mobile.auth import opened_by, page_link


def probe_app(make_app, **settings):
    """An app with a probe page on the mobile blueprint's auth (GET shows, POST acts)."""
    app = make_app(**settings)
    acted = []

    @opened_by("resident")
    def probe(number, viewer):
        from flask import request
        if request.method == "POST":
            acted.append((viewer.openid, number))
        return f"opened by {viewer.openid} for {number}"

    @opened_by("staff")
    def staff_probe(viewer):
        return f"staff {viewer.staff.username}"

    app.add_url_rule("/m/probe/<number>", "mobile.probe", probe, methods=["GET", "POST"])
    app.add_url_rule("/m/staff-probe", "mobile.staff_probe", staff_probe)
    return app, acted


def link(app, openid, endpoint="mobile.probe", **values):
    with app.app_context():
        url = page_link(openid, endpoint, **values)
    return url.removeprefix("http://127.0.0.1:8000")


def test_the_link_opens_for_its_openid_and_the_page_can_act(make_app):
    app, acted = probe_app(make_app)
    phone = app.test_client()
    url = link(app, "o_alice", number="2611230001")
    page = phone.get(url)
    assert page.status_code == 200 and "opened by o_alice for 2611230001" in page.get_data(True)
    assert phone.post(url).status_code == 200
    assert acted == [("o_alice", "2611230001")]


def test_a_link_is_bound_to_its_page_and_values(make_app):
    app, _ = probe_app(make_app)
    url = link(app, "o_alice", number="2611230001")
    other = url.replace("2611230001", "2611230002")
    page = app.test_client().get(other)
    assert page.status_code == 403 and "链接无效" in page.get_data(True)


def test_a_forwarded_link_opens_and_acts_on_no_other_phone(make_app):
    app, acted = probe_app(make_app)
    url = link(app, "o_alice", number="2611230001")
    alice, bob = app.test_client(), app.test_client()
    assert alice.get(url).status_code == 200
    forwarded = bob.get(url)
    assert forwarded.status_code == 403 and "另一部手机" in forwarded.get_data(True)
    refused = bob.post(url)
    assert refused.status_code == 403 and "请先打开页面" in refused.get_data(True)
    assert acted == []


def test_a_link_alone_cannot_act_without_the_page_opened(make_app):
    app, acted = probe_app(make_app)
    url = link(app, "o_alice", number="2611230001")
    assert app.test_client().post(url).status_code == 403
    assert acted == []


def test_an_expired_link_is_refused_with_a_chinese_page(make_app):
    app, _ = probe_app(make_app, mobile_link_ttl_seconds=600)
    url = link(app, "o_alice", number="2611230001")
    with time_machine.travel(timedelta(seconds=601)):
        page = app.test_client().get(url)
    body = page.get_data(True)
    assert page.status_code == 410
    assert "链接已过期" in body and 'lang="zh-CN"' in body and "viewport" in body


def test_no_token_or_a_forged_one_is_refused(make_app):
    app, _ = probe_app(make_app)
    phone = app.test_client()
    assert "请从消息中的链接打开" in phone.get("/m/probe/2611230001").get_data(True)
    url = link(app, "o_alice", number="2611230001")
    forged = phone.get(url[:-3] + ("xyz" if not url.endswith("xyz") else "abc"))
    assert forged.status_code == 403


def test_staff_pages_open_only_for_bound_active_staff(make_app, demo):
    app, _ = probe_app(make_app)
    worker_page = app.test_client().get(link(app, "o_worker_01", "mobile.staff_probe"))
    assert worker_page.get_data(True) == "staff worker01"
    resident_page = app.test_client().get(link(app, demo.DEMO_RESIDENT, "mobile.staff_probe"))
    assert resident_page.status_code == 403 and "工作人员" in resident_page.get_data(True)
