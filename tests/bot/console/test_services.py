"""The console's 办服务 pages: who sees which team and order, what a member's login may open,
what a member reads before and after taking an order, and the month's CSV."""
import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from store.models import LocalDelivery, Staff
from store.service_models import ServiceOrder, ServiceTeam, TeamMember

from tests.bot.console.test_console import login
from tests.support import Chat, rows

REQUEST = "我母亲腿脚不便，想请人帮忙代办医保报销，电话13912345678"


@pytest.fixture
def order_number(client, demo, svc):
    """A resident's request placed by 张伟 with a note only takers should read."""
    Chat(client, "o_demo_resident").send(REQUEST)
    [order] = rows(svc, ServiceOrder)
    number = order.ticket.number
    Chat(client, "o_worker_01").send(f"下单 {number} 1人 2小时 幸福小区1栋201")
    return number


def give_password(svc, username):
    with svc.db.transaction() as session:
        staff = session.scalar(select(Staff).where(Staff.username == username))
        staff.password_hash = generate_password_hash("griddesk")


def test_a_members_login_opens_only_service_orders(app, client, svc, order_number):
    give_password(svc, "member03")
    login(client, "member03")
    home = client.get("/console/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/console/services/")
    listing = client.get("/console/services/").get_data(as_text=True)
    header = listing.split("<header>")[1].split("</header>")[0]
    assert order_number in listing and "服务单" in header
    assert "统计研判" not in header and "未受理留言" not in header  # no other page offered
    for page in ("/console/dashboard", f"/console/tickets/{order_number}", "/console/areas",
                 "/console/teams/", "/console/held", "/console/grids/",
                 "/console/grids/330199001001001/poster.png"):
        assert client.get(page).status_code == 403, page
    before = client.get(f"/console/services/{order_number}").get_data(as_text=True)
    assert "电话[接单后可见]" in before and "5678" not in before  # hidden until taken
    assert "幸福小区1栋201" not in before
    client.post(f"/console/services/{order_number}", data={"action": "claim"})
    after = client.get(f"/console/services/{order_number}").get_data(as_text=True)
    assert "13912345678" in after and "幸福小区1栋201" in after and "签到" in after


def test_a_volunteers_console_shows_no_name_or_room_before_taking(client, demo, svc):
    Chat(client, "o_demo_resident").send("我叫王秀英，住3栋2单元501室，独居腿脚不便，想请人帮忙代办医保报销")
    [order] = rows(svc, ServiceOrder)
    number = order.ticket.number
    Chat(client, "o_worker_01").send(f"下单 {number} 1人 2小时 王阿姨家 钥匙在门卫")
    give_password(svc, "member03")
    login(client, "member03")
    before = client.get(f"/console/services/{number}").get_data(as_text=True)
    assert "王秀英" not in before and "501" not in before and "钥匙在门卫" not in before
    assert "我叫王**" in before and "2单元**室" in before and "幸福里第1网格（接单后显示详细地址）" in before
    client.post(f"/console/services/{number}", data={"action": "claim"})
    after = client.get(f"/console/services/{number}").get_data(as_text=True)
    assert "王秀英" in after and "501室" in after and "钥匙在门卫" in after


@pytest.mark.parametrize("written, hidden", [
    ("139-1234-5678", "1234"), ("139 1234 5678", "1234"), ("+86 139 1234 5678", "1234"),
    ("１３９１２３４５６７８", "１２３４"), ("0571-88776655", "8877"),
    ("身份证330106199001011234", "19900101")])
def test_a_volunteer_reads_no_number_however_the_resident_wrote_it(app, client, demo, svc,
                                                                      worker, written, hidden):
    """Before taking an order a team member (no scope of their own) reads the words with phone
    and ID numbers masked: in the push and on the page, whichever way they were typed."""
    Chat(client, "o_demo_resident").send(f"我母亲腿脚不便，想请人帮忙代办医保报销，{written}")
    [order] = rows(svc, ServiceOrder)
    Chat(client, "o_worker_01").send(f"下单 {order.ticket.number} 1人 2小时 幸福小区1栋201")
    worker()
    [push] = rows(svc, LocalDelivery, LocalDelivery.to_openid == "o_member_03")
    card = str(push.payload["fields"])
    assert "代办医保报销" in card and hidden not in card
    give_password(svc, "member03")
    login(client, "member03")
    page = client.get(f"/console/services/{order.ticket.number}").get_data(as_text=True)
    assert "代办医保报销" in page and hidden not in page


def test_a_member_of_a_team_it_was_not_published_to_finds_nothing(client, svc, order_number):
    give_password(svc, "member06")  # 吴刚, 和平社区志愿服务队
    login(client, "member06")
    assert client.get(f"/console/services/{order_number}").status_code == 404
    assert order_number not in client.get("/console/services/").get_data(as_text=True)


def test_a_community_manages_its_teams_and_a_worker_only_reads_them(app, client, demo, svc):
    login(client, "community001001")
    with svc.db.sessions() as session:
        community = session.scalar(select(ServiceTeam).where(ServiceTeam.code == "T001")).area
    created = client.post("/console/teams/", data={"code": "T009", "name": "幸福里巾帼志愿队",
                                                   "kind": "volunteer", "area": community.id})
    assert created.headers["Location"].endswith("/console/teams/T009")
    client.post("/console/teams/T009", data={"do": "add", "username": "xf01", "name": "林芳",
                                             "phone": "13700000001", "leader": "1"})
    page = client.get("/console/teams/T009").get_data(as_text=True)
    assert "林芳" in page and "队长" in page and "未绑定" in page
    assert client.get("/console/teams/T003").status_code == 404  # 和平社区's: not theirs
    [member] = rows(svc, TeamMember, TeamMember.staff.has(Staff.username == "xf01"))
    assert member.staff.role == "member" and member.leader

    worker = app.test_client()
    login(worker, "worker01")
    assert "幸福里巾帼志愿队" in worker.get("/console/teams/").get_data(as_text=True)
    assert worker.post("/console/teams/T009", data={"do": "remove",
                                                    "member": member.id}).status_code == 403


def test_a_community_cannot_pull_another_streets_worker_into_its_team(client, demo, svc):
    """Adding an existing account by username would show their name on the team page and
    their whole phone in members.csv: only people of one's own area join this way."""
    login(client, "community001001")  # 幸福里社区
    answer = client.post("/console/teams/T001", data={"do": "add", "username": "worker12"},
                         follow_redirects=True).get_data(as_text=True)  # 孙丽, 西溪街道
    assert "不在您的辖区" in answer and "孙丽" not in answer
    assert not rows(svc, TeamMember, TeamMember.staff.has(Staff.username == "worker12"))
    members = client.get("/console/export/members.csv").get_data(as_text=True)
    assert "worker12" not in members and "13900000012" not in members
    client.post("/console/teams/T001", data={"do": "add", "username": "worker02"})  # 王芳
    assert "王芳" in client.get("/console/teams/T001").get_data(as_text=True)


def test_the_grid_places_an_order_from_the_console_with_the_teams_it_chooses(
        app, client, demo, svc):
    Chat(client, "o_demo_resident").send(REQUEST)
    [order] = rows(svc, ServiceOrder)
    with svc.db.sessions() as session:
        party = session.scalar(select(ServiceTeam).where(ServiceTeam.code == "T001"))
    login(client, "worker01")
    page = client.get(f"/console/services/{order.ticket.number}").get_data(as_text=True)
    assert "网格下单" in page and "幸福里社区党员先锋队" in page
    from datetime import timedelta
    from store.vocab import CHINA
    tomorrow = (svc.now().astimezone(CHINA) + timedelta(days=1)).date()
    client.post(f"/console/services/{order.ticket.number}", data={
        "action": "place", "people": "2", "hours": "1.5", "when": f"{tomorrow}T09:30",
        "team": str(party.id)})
    [order] = rows(svc, ServiceOrder)
    assert (order.status, order.people_needed, order.minutes_expected) == ("open", 2, 90)
    assert [p.team.code for p in order.publications] == ["T001"]
    assert order.scheduled_at.astimezone(CHINA).isoformat() == f"{tomorrow}T09:30:00+08:00"


def test_the_months_figures_export_as_csv(client, demo, svc, order_number):
    from store.vocab import CHINA
    month = svc.now().astimezone(CHINA).strftime("%Y-%m")  # the order's month, in China
    login(client, "community001001")
    text = client.get(f"/console/export/services.csv?month={month}").get_data(as_text=True)
    assert text.startswith(f"\ufeff服务统计 {month}")
    assert "服务队,区卫健局后盾单位,T002,后盾单位,,3,0,0.0,3" in text
    assert "队员,区卫健局后盾单位,T002,后盾单位,周敏,,0,0.0,是" in text
    assert "代办服务,0,1,0,0,0,0,1" in text  # placed, waiting to be taken


def test_the_district_imports_members_from_the_console_all_or_nothing(client, demo, svc):
    import io
    login(client, "district")
    bad = "team_code,username,name\nT003,hp01,何平\nT999,hp02,洪波\n"
    page = client.post("/console/teams/import", data={
        "kind": "members", "file": (io.BytesIO(bad.encode()), "members.csv")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "导入失败，未导入任何行" in page and "line 3: team &#39;T999&#39;" in page
    assert not rows(svc, Staff, Staff.username == "hp01")
    good = "\ufeffteam_code,username,name,leader\nT003,hp01,何平,是\n"
    page = client.post("/console/teams/import", data={
        "kind": "members", "file": (io.BytesIO(good.encode()), "members.csv")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "导入完成：members: 1 created" in page
    exported = client.get("/console/export/members.csv").get_data(as_text=True)
    assert "T003,hp01,何平,,yes,yes" in exported

    community = client.application.test_client()
    login(community, "community001001")  # an import may touch any area: the district's
    refused = community.post("/console/teams/import", data={
        "kind": "members", "file": (io.BytesIO(good.encode()), "members.csv")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "批量导入需要区级账号" in refused


def test_a_grid_leaders_members_csv_masks_the_volunteers_phones(client, demo, svc):
    """The team page shows every member's phone as 135****0001; the grid leader's
    members.csv showed them whole. A manager reads whole only the accounts of their own area
    (as the staff page shows them)."""
    give_password(svc, "leader01")
    login(client, "leader01")  # 幸福里社区's grid leader
    members = client.get("/console/export/members.csv").get_data(as_text=True)
    assert "T001,member01,李明,135****0001,yes,yes" in members
    assert "13500010001" not in members and "13500010003" not in members

    import io
    district = client.application.test_client()
    login(district, "district")  # worker12 (孙丽, 西溪街道) joins 幸福里's team by import
    district.post("/console/teams/import", data={
        "kind": "members", "file": (io.BytesIO(b"team_code,username,name\nT001,worker12,x\n"),
                                    "members.csv")}, content_type="multipart/form-data")
    assert "13900000012" in district.get("/console/export/members.csv").get_data(as_text=True)
    community = client.application.test_client()
    login(community, "community001001")
    members = community.get("/console/export/members.csv").get_data(as_text=True)
    assert "13500010001" in members  # 幸福里's own volunteer account
    assert "worker12" in members and "13900000012" not in members and "139****0012" in members


def test_a_teammate_who_did_not_go_reads_the_result_masked(client, demo, svc):
    """孙红 took and served the order; 钱程 of the same team never took it and reads the result
    and the resident's rating as the words before taking: no name, room or phone."""
    from store import service_orders, service_visits, ratings
    Chat(client, "o_demo_resident").send("我母亲腿脚不便，想请人帮忙代办医保报销")
    [order] = rows(svc, ServiceOrder)
    number = order.ticket.number
    Chat(client, "o_worker_01").send(f"下单 {number} 1人 2小时")
    with svc.db.transaction() as session:
        order = session.get(ServiceOrder, order.id)
        sun = session.scalar(select(Staff).where(Staff.username == "member03"))
        service_orders.claim(session, order, sun, svc.now())
        service_visits.check_in(session, order, sun, svc.now(), None)
        service_visits.report(session, order, sun, "已陪王秀英阿姨办好，材料放在3栋501室，"
                              "她女儿电话13911112222", svc.now())
        ratings.rate(session, order.ticket, 5, svc.now(), "我叫王秀英，谢谢孙红")
    give_password(svc, "member04")
    login(client, "member04")
    page = client.get(f"/console/services/{number}").get_data(as_text=True)
    assert "服务结果" in page and "居民评价" in page
    for private in ("王秀英", "501", "13911112222"):
        assert private not in page, private
    give_password(svc, "member03")
    taker = client.application.test_client()
    login(taker, "member03")
    page = taker.get(f"/console/services/{number}").get_data(as_text=True)
    assert "王秀英阿姨" in page and "3栋501室" in page
