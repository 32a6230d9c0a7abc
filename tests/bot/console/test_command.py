"""Dashboard, command, staff and simulator pages of the console."""
import re

from store.models import Area, BroadcastRecipient, DispatchAck, Outbox, Staff, Ticket

from tests.bot.console.test_console import login
from tests.bot.console.test_work import act, number_of
from tests.support import Chat, rows


def test_dashboard_figures_follow_the_tickets(client, chat, svc, app, worker):
    app.config["WTF_CSRF_ENABLED"] = False
    login(client, "district")
    page = client.get("/console/dashboard").get_data(as_text=True)
    assert 'id="kpi-total">0<' in page and "办结率 = " in page
    done = number_of(chat.send("3栋楼道灯坏了"))
    number_of(chat.send("新问题 小区门口垃圾没人清理"))
    act(client, done, "resolve", text="已更换")
    assert "感谢" in chat.send("4")
    page = client.get("/console/dashboard").get_data(as_text=True)
    assert 'id="kpi-total">2<' in page
    assert 'id="kpi-closure">50.0%<' in page and 'id="kpi-satisfaction">100%<' in page
    assert 'id="kpi-rating">4.00<' in page and "幸福里第1网格" in page
    csv = client.get("/console/export/assessment.csv").get_data(as_text=True)
    assert "幸福里第1网格" in csv and "50.0%" in csv and "张伟" in csv


def test_a_notice_reaches_the_residents_of_the_chosen_grids(client, chat, svc, app, worker):
    app.config["WTF_CSRF_ENABLED"] = False
    chat.send("你好")  # inside the 48-hour window: a customer-service message
    Chat(client, "o_far_away").event("subscribe", "qrscene_grid:330199002002003")
    first = rows(svc, Area, Area.code == "330199001001001")[0]
    login(client, "community001001")
    response = client.post("/console/command/broadcast", data={
        "topic": "outage", "title": "明日停水", "body": "明天 8:00-12:00 停水，请提前储水。",
        "grid": [str(first.id)]}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "通知已进入发送队列" in page and "幸福里第1网格" in page
    [recipient] = rows(svc, BroadcastRecipient)
    [row] = rows(svc, Outbox, Outbox.purpose == "broadcast")
    assert row.to_openid == chat.openid and row.channel == "customer_service"
    assert "【停水停电】明日停水" in row.payload["text"]
    worker()
    page = client.get(response.request.path).get_data(as_text=True)
    assert re.search(r"幸福里第1网格</td><td class=\"num\">1</td>.*?<td class=\"num\">1</td>",
                     page, re.S)


def test_emergency_dispatch_is_acknowledged_from_wechat(client, demo, svc, app):
    app.config["WTF_CSRF_ENABLED"] = False
    grids = rows(svc, Area, Area.code.in_(["330199001001001", "330199001001002"]))
    login(client, "community001001")
    assert client.post("/console/command/dispatch", data={
        "title": "x", "body": "y", "grid": [str(grids[0].id)]}).status_code == 403
    client.post("/console/logout")
    login(client, "district")
    response = client.post("/console/command/dispatch", data={
        "title": "暴雨预警", "body": "立即排查低洼地段", "grid": [str(g.id) for g in grids]},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    code = re.search(r"紧急调度 (\d{4})", page).group(1)
    assert 'id="ack-count" class="late-text">0 / 2<' in page
    assert len(rows(svc, Outbox, Outbox.purpose == "dispatch")) == 2
    reply = Chat(client, "o_worker_01").send(f"收到 {code}")
    assert "已确认收到调度任务" in reply
    assert "已确认过" in Chat(client, "o_worker_01").send(f"收到 {code}")
    assert "收到" not in (Chat(client, "o_some_resident").send("收到") or "收到调度")
    acks = client.get(response.request.path + "/acks").get_data(as_text=True)
    assert ">1 / 2<" in acks and "已收到" in acks and "未确认" in acks
    assert "已确认收到" in Chat(client, "o_worker_02").send("收到")  # the latest open task
    assert all(a.acknowledged_at for a in rows(svc, DispatchAck))


def test_staff_are_created_and_bound_to_wechat(client, demo, svc, app):
    app.config["WTF_CSRF_ENABLED"] = False
    grid = rows(svc, Area, Area.code == "330199001001003")[0]
    login(client, "community001001")
    page = client.post("/console/staff", data={
        "username": "worker99", "name": "钱多", "role": "grid_worker", "area": grid.id,
        "phone": "13912345678", "password": "secret-pass"}, follow_redirects=True)
    assert "已创建账号 worker99" in page.get_data(as_text=True)
    page = client.post("/console/staff", data={
        "username": "boss", "name": "越权", "role": "district", "area": grid.id},
        follow_redirects=True).get_data(as_text=True)
    assert "无权创建该角色" in page
    [staff] = rows(svc, Staff, Staff.username == "worker99")
    page = client.post(f"/console/staff/{staff.id}", data={"do": "bind"},
                       follow_redirects=True).get_data(as_text=True)
    code = re.search(r"绑定码：(\d{10})", page).group(1)
    assert "钱多" in Chat(client, "o_new_worker").send(f"绑定 {code}")
    assert rows(svc, Staff, Staff.username == "worker99")[0].openid == "o_new_worker"
    tree = client.get("/console/areas").get_data(as_text=True)
    assert "钱多·网格员" in tree
    other = rows(svc, Staff, Staff.username == "worker07")[0]  # 赵磊, another street
    assert client.get(f"/console/staff/{other.id}").status_code == 404


def test_the_simulator_signs_messages_for_admins_only(client, demo, svc, app, make_app):
    app.config["WTF_CSRF_ENABLED"] = False
    login(client, "district")
    assert client.get("/console/simulator").status_code == 404
    client.post("/console/logout")
    login(client, "admin")
    assert "一键求助" in client.get("/console/simulator").get_data(as_text=True)
    answer = client.post("/console/simulator/send", json={
        "openid": "o_demo_resident", "type": "text", "text": "小区路灯坏了"}).get_json()
    assert answer["status"] == 200 and re.search(r"\d{10}", answer["reply"])
    assert answer["mode"] == "安全模式"  # the account's mode: it has an EncodingAESKey
    answer = client.post("/console/simulator/send", json={
        "openid": "o_demo_resident", "type": "event", "event": "CLICK", "key": "MY_TICKETS"}
    ).get_json()
    assert "您最近的工单" in answer["reply"]
    answer = client.post("/console/simulator/send", json={
        "openid": "o_demo_resident", "type": "image"}).get_json()
    assert answer["status"] == 200
    answer = client.post("/console/simulator/send", json={
        "openid": "o_sim_new", "type": "event", "event": "SCAN",
        "key": "grid:330199001001002"}).get_json()
    assert "幸福里第2网格" in answer["reply"]
    history = client.get("/console/simulator/history?openid=o_demo_resident").get_json()
    assert any("[点击菜单] 我的工单" == i["text"] for i in history["items"])
    feed = client.get("/console/simulator/feed?openid=o_demo_resident&after=0").get_json()
    assert feed == {"pending": 0, "messages": []}
    page = client.get("/console/simulator").get_data(as_text=True)
    assert svc.settings.wechat_encoding_aes_key not in page
    assert f'"{svc.settings.wechat_token}"' not in page
    assert len(rows(svc, Ticket)) == 1
    plain = make_app(wechat_encoding_aes_key="").test_client()  # an account without a key
    login(plain, "admin")
    answer = plain.post("/console/simulator/send", json={
        "openid": "o_demo_resident", "type": "text", "text": "新问题 小区垃圾没人清运"}).get_json()
    assert answer["status"] == 200 and answer["mode"] == "明文模式"
    off = make_app(simulator="off").test_client()
    login(off, "admin")
    assert off.get("/console/simulator").status_code == 404
