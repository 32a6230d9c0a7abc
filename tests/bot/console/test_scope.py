"""Scopes end where a person's work ends: a department sees the tickets transferred to it and
nothing of the area tree; delivery counts are shown for one's own grids only."""
import re

from store import ladder, tickets
from store.models import Area, Staff

from tests.bot.console.test_console import login
from tests.support import Chat, rows

GRID_1, FAR_GRID = "330199001001001", "330199002002003"


def test_a_department_sees_its_transferred_tickets_and_no_grids_staff_or_posters(
        client, chat, svc, app):
    chat.send("小区门口占道经营很严重")
    chat.send("新问题 3栋楼道灯坏了")
    first, second = [t.number for t in rows(svc, tickets.Ticket)]
    with svc.db.transaction() as session:
        district = session.query(Staff).filter_by(username="district").one()
        department = session.query(Staff).filter_by(username="dept01").one().department
        ladder.transfer(session, tickets.by_number(session, first), department, svc.now(),
                        by=district)
    login(client, "dept01")
    assert client.get(f"/console/tickets/{first}").status_code == 200
    assert client.get(f"/console/tickets/{second}").status_code == 404
    areas = client.get("/console/areas").get_data(as_text=True)
    assert "幸福里第1网格" not in areas and "张伟" not in areas
    assert client.get("/console/staff").status_code == 403
    grids = client.get("/console/grids/").get_data(as_text=True)
    assert GRID_1 not in grids and "幸福里第1网格" not in grids
    assert client.get(f"/console/grids/{GRID_1}/qr.png").status_code == 404
    assert client.get(f"/console/grids/{GRID_1}/poster.png").status_code == 404
    inbox = client.get("/console/?tab=all").get_data(as_text=True)
    assert first in inbox and second not in inbox
    assert "张伟" not in client.get("/console/command").get_data(as_text=True)


def test_broadcast_delivery_counts_only_for_ones_own_grids(client, chat, svc, app, worker):
    app.config["WTF_CSRF_ENABLED"] = False
    chat.send("你好")
    for n in range(3):  # three residents in a grid of another street
        Chat(client, f"o_far_{n}").event("subscribe", f"qrscene_grid:{FAR_GRID}")
    grids = rows(svc, Area, Area.code.in_([GRID_1, FAR_GRID]))
    login(client, "district")
    sent = client.post("/console/command/broadcast", data={
        "topic": "outage", "title": "明日停水", "body": "明天 8:00-12:00 停水。",
        "grid": [str(g.id) for g in grids]})
    path = sent.headers["Location"]
    client.post("/console/logout")
    login(client, "worker01")  # 张伟, grid 1 only
    page = client.get(path).get_data(as_text=True)
    assert "幸福里第1网格" in page
    far = rows(svc, Area, Area.code == FAR_GRID)[0].name
    assert far not in page
    command = client.get("/console/command").get_data(as_text=True)
    assert re.search(r"明日停水.*?>1<", command, re.S)  # one of the four is in my grid
    assert not re.search(r"明日停水.*?>4<", command, re.S)


def test_a_notice_over_600_characters_is_refused_with_a_reason(client, chat, svc, app):
    app.config["WTF_CSRF_ENABLED"] = False
    grid = rows(svc, Area, Area.code == GRID_1)[0]
    login(client, "community001001")
    page = client.post("/console/command/broadcast", data={
        "topic": "outage", "title": "停水", "body": "停水" * 301, "grid": [str(grid.id)]},
        follow_redirects=True).get_data(as_text=True)
    assert "内容不超过 600 字" in page


def test_a_dispatch_over_two_streets_shows_each_street_only_its_own_workers(client, svc, app,
                                                                           demo):
    grids = rows(svc, Area, Area.code.in_([GRID_1, FAR_GRID]))
    login(client, "district")
    sent = client.post("/console/command/dispatch", data={
        "title": "防汛", "body": "请立即巡查低洼地带", "grid": [str(g.id) for g in grids]})
    path = sent.headers["Location"]
    whole = client.get(f"{path}/acks").get_data(as_text=True)
    assert "张伟" in whole and "孙丽" in whole and "13900000012" in whole
    client.post("/console/logout")
    login(client, "street001")  # 东湖街道: 张伟's street, not 孙丽's (西溪, 文新第3网格)
    for page in (path, f"{path}/acks"):
        shown = client.get(page).get_data(as_text=True)
        assert "张伟" in shown and "0 / 1" in shown, page
        assert "孙丽" not in shown and "13900000012" not in shown, page
    command = client.get("/console/command").get_data(as_text=True)
    assert re.search(r"防汛.*?0 / 1<", command, re.S) and "0 / 2" not in command
