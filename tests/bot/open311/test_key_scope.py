"""An Open311 key reads and files only in its area, masked unless a district admin gave it
personal data; whoever makes a key in the console gives it an area within their own."""
import json

import pytest
from sqlalchemy import select, text

from store import Database, apikeys
from store.models import ApiKey, Area
from tests.bot.console.test_console import login
from tests.support import rows

HAPPY_GRID, CUIYUAN_GRID = "330199001001001", "330199002001001"  # 东湖街道 / 西溪街道
HAPPY = "330199001001"  # 幸福里社区
WORDS = "我叫王小明，电话13812345678，住3栋2单元501室，楼道灯坏了三天了"


def make_key(svc, name, area_code=None, personal=False):
    with svc.db.transaction() as session:
        area = session.scalar(select(Area).where(Area.code == area_code)) if area_code else None
        return apikeys.create(session, name, svc.now(), area=area, personal_data=personal)[1]


def post(client, key, grid, fmt="json"):
    return client.post(f"/open311/v2/requests.{fmt}", data={
        "api_key": key, "service_code": "complaint:路灯/井盖/道路", "address_id": grid,
        "description": WORDS})


@pytest.fixture
def filed(client, svc, demo):
    """One ticket in 幸福里 and one in 翠苑 (another street), filed by the city's hotline."""
    hotline = make_key(svc, "hotline", personal=True)
    return {grid: post(client, hotline, grid).get_json()[0]["service_request_id"]
            for grid in (HAPPY_GRID, CUIYUAN_GRID)}


def test_a_communitys_key_reads_only_its_area_masked(client, svc, filed):
    key = make_key(svc, "happy-app", HAPPY)
    listed = client.get(f"/open311/v2/requests.json?api_key={key}").get_json()
    assert [r["service_request_id"] for r in listed] == [filed[HAPPY_GRID]]
    body = json.dumps(listed, ensure_ascii=False)
    assert "楼道灯坏了三天了" in body
    for private in ("13812345678", "王小明", "501"):
        assert private not in body, private  # no right to personal data: masked

    other = client.get(f"/open311/v2/requests/{filed[CUIYUAN_GRID]}.json?api_key={key}")
    assert other.status_code == 404
    assert "not found in this api_key's area (幸福里社区)" in other.get_json()[0]["description"]
    asked = client.get(f"/open311/v2/requests.json?api_key={key}"
                       f"&service_request_id={filed[CUIYUAN_GRID]}").get_json()
    assert asked == []
    updates = client.get(f"/open311/v2/servicerequestupdates.json?api_key={key}").get_json()
    assert {u["service_request_id"] for u in updates} == {filed[HAPPY_GRID]}


def test_a_key_files_only_in_its_area(client, svc, filed):
    key = make_key(svc, "happy-app", HAPPY)
    refused = post(client, key, CUIYUAN_GRID)
    assert refused.status_code == 403
    assert "outside this api_key's area (幸福里社区)" in refused.get_json()[0]["description"]
    unplaced = client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "help:其他", "address_string": "不知道在哪里"})
    assert unplaced.status_code == 403 and "could not be placed" in unplaced.get_data(as_text=True)
    assert post(client, key, HAPPY_GRID).status_code == 201
    assert len(client.get(f"/open311/v2/requests.json?api_key={key}").get_json()) == 2


def test_a_district_key_with_the_right_reads_everything_whole(client, svc, filed):
    key = make_key(svc, "hotline-2", personal=True)
    listed = client.get(f"/open311/v2/requests.json?api_key={key}").get_json()
    assert len(listed) == 2 and "13812345678" in json.dumps(listed, ensure_ascii=False)
    masked = make_key(svc, "statistics")  # the whole district, no personal data
    listed = client.get(f"/open311/v2/requests.json?api_key={masked}").get_json()
    assert len(listed) == 2 and "13812345678" not in json.dumps(listed, ensure_ascii=False)


def test_a_manager_gives_a_key_only_an_area_within_their_own(client, svc, demo):
    login(client, "community001001")  # 幸福里社区
    with svc.db.sessions() as session:
        ids = dict(session.execute(select(Area.code, Area.id)).all())
    made = client.post("/console/api-keys", data={"name": "grid-app",
                                                  "area": ids[HAPPY_GRID]})
    page = made.get_data(as_text=True)
    assert made.status_code == 201 and 'id="made"' in page and "幸福里第1网格" in page
    [key] = rows(svc, ApiKey)
    assert (key.area.code, key.personal_data) == (HAPPY_GRID, False)
    for form in ({"name": "x1", "area": ids[CUIYUAN_GRID]},  # another street's grid
                 {"name": "x2", "area": ids["330199001"]},  # their street, above them
                 {"name": "x3"},  # the whole district
                 {"name": "x4", "area": ids[HAPPY_GRID], "personal": "1"}):
        answer = client.post("/console/api-keys", data=form, follow_redirects=True)
        assert 'id="made"' not in answer.get_data(as_text=True), form
    assert "只有区级管理员可以授予" in answer.get_data(as_text=True)
    assert [k.name for k in rows(svc, ApiKey)] == ["grid-app"]

    district = client.application.test_client()
    login(district, "district")
    assert district.post("/console/api-keys", data={"name": "hotline", "personal": "1"}) \
        .status_code == 201
    [_, hotline] = rows(svc, ApiKey)
    assert hotline.area_id is None and hotline.personal_data
    # the community neither sees nor revokes the district's key
    assert "hotline" not in client.get("/console/api-keys").get_data(as_text=True)
    client.post("/console/api-keys", data={"do": "revoke", "name": "hotline"})
    assert rows(svc, ApiKey, ApiKey.name == "hotline")[0].revoked_at is None
    worker = client.application.test_client()
    login(worker, "worker01")
    assert worker.get("/console/api-keys").status_code == 403


def test_keys_made_before_areas_keep_the_whole_district_unmasked(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'keys.db'}")
    db.upgrade("0017")
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO api_key (name, key_hash, prefix, created_at) "
                                "VALUES ('old', 'h', 'gd_x', '2026-11-01 00:00:00')"))
    db.upgrade()
    with db.engine.connect() as connection:
        row = connection.execute(text("SELECT area_id, personal_data FROM api_key")).one()
    assert row.area_id is None and bool(row.personal_data)
    db.dispose()
