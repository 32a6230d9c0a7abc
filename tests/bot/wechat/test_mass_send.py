"""Notices (指挥调度) go by WeChat's mass send, and WeChat's own report says who got them."""
from __future__ import annotations

import re

from sqlalchemy import update

from bot.wechat.jobs import requeue_stale_outbox
from store import command
from store.models import Area, MassSend, Outbox
from tests.fake_wechat import real_wechat, web, wechat  # noqa: F401 (fixtures)
from tests.support import Chat, rows, run_worker


def notice(client, grids, title: str) -> str:
    response = client.post("/console/command/broadcast", data={
        "topic": "outage", "title": title, "body": "明天 8:00-12:00 停水，请提前储水。",
        "grid": [str(g.id) for g in grids]}, follow_redirects=True)
    assert "通知已进入发送队列" in response.get_data(as_text=True)
    return response.request.path


def test_a_notice_to_three_grids_goes_as_mass_sends_with_the_counts_wechat_reports(
        web, demo, wechat, monkeypatch):
    web.config["WTF_CSRF_ENABLED"] = False
    svc = web.extensions["griddesk"]
    grids = rows(svc, Area, Area.level == "grid", order_by=Area.code)[:3]
    people = {}
    for grid in grids:
        for n in range(2):
            openid = f"o_{grid.code}_{n}"
            Chat(web.test_client(), openid).event("subscribe", f"qrscene_grid:{grid.code}")
            people[openid] = grid
    first_grid = [o for o, g in people.items() if g == grids[0]] + [demo.DEMO_RESIDENT]
    monkeypatch.setattr(command, "MASS_MAX", 4)  # WeChat's 10,000, scaled to this test
    admin = web.test_client()
    admin.post("/console/login", data={"username": "admin", "password": "griddesk"})

    for n in range(4):  # the first grid's residents have their month's four already
        notice(admin, grids[:1], f"第{n + 1}次通知")
        run_worker(web)
    page = admin.get("/console/command").get_data(as_text=True)
    assert re.search(rf"{grids[0].name} <span class=\"muted\">居民 3 · 本月还可群发 0", page)
    assert re.search(rf"{grids[1].name} <span class=\"muted\">居民 2 · 本月还可群发 2", page)

    path = notice(admin, grids, "明日停水")
    run_worker(web)
    last = [m for m in rows(svc, MassSend) if m.text.startswith("【停水停电】明日停水")]
    assert [len(m.openids) for m in last] == [4, 3]  # 7 residents: two calls, none of one
    assert len({m.client_msg_id for m in rows(svc, MassSend)}) == len(rows(svc, MassSend))
    assert rows(svc, Outbox) == []  # no customer-service or template message per resident
    page = admin.get(path).get_data(as_text=True)
    assert "已提交，等待微信报告" in page

    # A worker died after WeChat took the calls: sending again is harmless (clientmsgid).
    with svc.db.transaction() as session:
        session.execute(update(MassSend).where(MassSend.id.in_([m.id for m in last]))
                        .values(status="pending"))
    with web.app_context():
        requeue_stale_outbox()
    run_worker(web)
    assert len(wechat.mass_jobs) == 6

    assert wechat.finish_mass_jobs(web) == 6  # WeChat reports each job to the callback
    for openid, grid in people.items():
        received = [shown.text for shown in wechat.phone(openid) if shown.kind == "mass"]
        if openid in first_grid:
            assert len(received) == 4 and "明日停水" not in received[-1]
        else:
            assert received == ["【停水停电】明日停水\n明天 8:00-12:00 停水，请提前储水。"]
    page = admin.get(path).get_data(as_text=True)
    totals = re.search(r"<th>合计</th><th></th><th class=\"num\">(\d+)</th>\s*"
                       r"<th class=\"num\">(\d+)</th>\s*<th class=\"num\">(\d+)</th>"
                       r"<th class=\"num\">(\d+)</th>", page)
    assert totals.groups() == ("7", "3", "4", "0")  # recipients, filtered, sent, failed
    assert all(m.status == "finished" for m in rows(svc, MassSend))


def test_a_notice_to_one_resident_goes_through_the_outbox(web, demo, wechat):
    web.config["WTF_CSRF_ENABLED"] = False
    svc = web.extensions["griddesk"]
    first = rows(svc, Area, Area.code == demo.FIRST_GRID)[0]
    admin = web.test_client()
    admin.post("/console/login", data={"username": "admin", "password": "griddesk"})
    notice(admin, [first], "明日停水")
    assert rows(svc, MassSend) == []  # a mass send needs two openids
    [row] = rows(svc, Outbox, Outbox.purpose == "broadcast")
    assert row.to_openid == demo.DEMO_RESIDENT


def test_an_account_without_mass_send_rights_alerts_the_admins(web, demo, wechat):
    web.config["WTF_CSRF_ENABLED"] = False
    svc = web.extensions["griddesk"]
    grid = rows(svc, Area, Area.code == demo.FIRST_GRID)[0]
    Chat(web.test_client(), "o_neighbour").event("subscribe", f"qrscene_grid:{grid.code}")
    wechat.unauthorised.add("/cgi-bin/message/mass/send")
    admin = web.test_client()
    admin.post("/console/login", data={"username": "admin", "password": "griddesk"})
    path = notice(admin, [grid], "明日停水")
    run_worker(web)
    [mass] = rows(svc, MassSend)
    assert mass.status == "failed" and "48001" in mass.last_error
    assert "失败" in admin.get(path).get_data(as_text=True)
    assert "公众号没有该接口的权限" in admin.get("/console/deliveries").get_data(as_text=True)


def test_a_notice_to_more_than_ten_thousand_residents_is_split_as_wechat_allows(web, demo,
                                                                                 wechat):
    from sqlalchemy import insert

    from store.models import Resident
    web.config["WTF_CSRF_ENABLED"] = False
    svc = web.extensions["griddesk"]
    grid = rows(svc, Area, Area.code == demo.FIRST_GRID)[0]
    with svc.db.transaction() as session:  # a large grid: 10,001 residents with the demo one
        session.execute(insert(Resident), [
            {"openid": f"o_many_{n}", "grid_id": grid.id, "subscribed": True, "state": {},
             "created_at": svc.now()} for n in range(10_000)])
    admin = web.test_client()
    admin.post("/console/login", data={"username": "admin", "password": "griddesk"})
    notice(admin, [grid], "明日停水")
    run_worker(web)
    calls = wechat.messages("mass")
    assert [len(call.body["touser"]) for call in calls] == [5001, 5000]
    assert [job["sent"] for job in wechat.mass_jobs] == [5001, 5000]  # none refused (40130)
