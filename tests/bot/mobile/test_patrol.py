"""巡查上报: what a worker finds on patrol becomes a ticket of channel "patrol" in their grid,
from the page (category, words, photos, location) or from WeChat (`巡查 <words>`); 即报即办
resolves it at once and needs a photo; the dashboard counts them (主动发现数)."""
from __future__ import annotations

import csv
import io

import pytest

from store.models import Outbox, Photo, Ticket, TicketEvent
from tests.bot.console.test_console import login
from tests.bot.mobile.test_worker import LINK, Phone, jpeg, link
from tests.support import rows

GRID_1_INSIDE = ("30.2725", "120.1025")  # within 幸福里第1网格's square (store/demo.py)


@pytest.fixture
def zhang(app, demo) -> Phone:
    phone = Phone(app, "o_worker_01")
    phone.open(link(app, phone.openid, "mobile.patrol"))
    return phone


def report(phone: Phone, **form):
    values = {"category": "路灯/井盖/道路", "words": "幸福小区3栋门口井盖松动",
              "lat": GRID_1_INSIDE[0], "lng": GRID_1_INSIDE[1], **form}
    return phone.browser.post(phone.page, data=values, content_type="multipart/form-data",
                              follow_redirects=True)


def test_a_patrol_finding_opens_a_ticket_the_finder_handles(zhang, svc):
    page = report(zhang, photos=[(io.BytesIO(jpeg()), "found.jpg")])
    html = page.get_data(as_text=True)
    [ticket] = rows(svc, Ticket)
    assert f"已上报，工单号 {ticket.number}" in html and "<svg" in html  # its own page
    assert (ticket.channel, ticket.kind, ticket.category, ticket.department) == \
        ("patrol", "complaint", "路灯/井盖/道路", "城管")
    assert ticket.grid.name == "幸福里第1网格" and ticket.resident_id is None
    assert ticket.found_by.username == ticket.assignee.username == "worker01"
    assert ticket.status == "accepted" and ticket.first_reply_at is not None  # no clock waits
    assert (round(ticket.lat, 4), round(ticket.lng, 4)) == (30.2725, 120.1025)
    assert 'class="spot"' in html  # the point, drawn on the grid's outline
    [photo] = rows(svc, Photo)
    [created] = rows(svc, TicketEvent, TicketEvent.action == "created")
    assert created.data["photo_ids"] == [photo.id] and created.staff.username == "worker01"
    assert rows(svc, Outbox) == []  # no resident to tell, and nobody pushed their own finding
    # Resolving a patrol ticket needs a photo, from WeChat's 办结 too.
    answer = zhang.chat.send(f"办结 {ticket.number} 已固定井盖")
    assert "需附至少一张现场照片" in answer
    assert f"/m/w/tickets/{ticket.number}?t=" in LINK.search(answer).group(1)
    assert rows(svc, Ticket)[0].status == "accepted"


def test_a_browser_located_finding_is_drawn_where_the_worker_stood(zhang, svc):
    """A plain browser locates in WGS-84, WeChat and the grid outlines in GCJ-02 (500 m
    apart here): the page says which, and the point is kept on the outlines' map."""
    report(zhang, lat="30.274870", lng="120.097894", datum="wgs84")
    [ticket] = rows(svc, Ticket)
    assert (round(ticket.lat, 4), round(ticket.lng, 4)) == (30.2726, 120.1027)
    report(zhang, lat="30.2726", lng="120.1027", datum="gcj02", words="幸福小区1栋路灯不亮")
    assert (round(rows(svc, Ticket)[-1].lat, 4), round(rows(svc, Ticket)[-1].lng, 4)) == \
        (30.2726, 120.1027)


def test_report_and_resolve_at_once_needs_a_photo(zhang, svc):
    page = report(zhang, resolve_now="1", result="已将井盖复位")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "即报即办需要上传至少一张现场照片" in html
    assert "幸福小区3栋门口井盖松动" in html  # what was typed is kept on the form
    assert rows(svc, Ticket) == []

    page = report(zhang, resolve_now="1", result="已将井盖复位",
                  photos=[(io.BytesIO(jpeg()), "a.jpg"), (io.BytesIO(jpeg()), "b.jpg")])
    [ticket] = rows(svc, Ticket)
    assert f"已即报即办，工单 {ticket.number} 已办结" in page.get_data(as_text=True)
    assert ticket.status == "resolved" and ticket.resolved_by_id == ticket.found_by_id
    [resolved] = rows(svc, TicketEvent, TicketEvent.action == "resolved")
    assert resolved.body == "已将井盖复位" and len(resolved.data["photo_ids"]) == 2
    assert rows(svc, Outbox) == []


def test_a_bad_report_is_refused_in_chinese(zhang, svc):
    assert "请选择问题类别" in report(zhang, category="").get_data(as_text=True)
    assert "请描述发现的问题" in report(zhang, words="  ").get_data(as_text=True)
    assert rows(svc, Ticket) == []


def test_a_grid_leader_reports_in_the_grid_where_the_phone_is(app, demo, svc):
    leader = Phone(app, "o_leader_01")  # 周建国, 幸福里社区: three grids
    leader.open(link(app, leader.openid, "mobile.patrol"))
    page = report(leader, lat="", lng="")
    assert "请打开手机定位" in page.get_data(as_text=True) and rows(svc, Ticket) == []
    report(leader, lat="30.2725", lng="120.1085")  # the second grid's square
    [ticket] = rows(svc, Ticket)
    assert ticket.grid.name == "幸福里第2网格" and ticket.found_by.username == "leader01"


def test_a_worker_reports_from_wechat_and_is_pointed_to_the_pages(app, demo, svc):
    zhang = Phone(app, "o_worker_01")
    answer = zhang.chat.send("巡查")
    assert "即报即办" in answer and "/m/w/patrol?t=" in LINK.search(answer).group(1)
    answer = zhang.chat.send("巡查 幸福小区2栋门口路灯不亮")
    [ticket] = rows(svc, Ticket)
    assert f"已上报巡查发现，工单号 {ticket.number}" in answer
    assert f"/m/w/tickets/{ticket.number}?t=" in LINK.search(answer).group(1)
    assert (ticket.channel, ticket.category, ticket.found_by.username) == \
        ("patrol", "路灯/井盖/道路", "worker01")
    # The menu's 报事件, pressed by staff, is the patrol report too.
    assert "/m/w/patrol?t=" in zhang.chat.event("CLICK", "REPORT")
    assert "打开待办列表" in zhang.chat.send("待办")


def test_the_dashboard_counts_what_each_grid_and_person_found(app, demo, svc):
    zhang, wang = Phone(app, "o_worker_01"), Phone(app, "o_worker_02")
    zhang.chat.send("巡查 幸福小区1栋门口垃圾没人清运")
    zhang.chat.send("巡查 幸福小区2栋门口路灯不亮")
    wang.chat.send("巡查 幸福小区5栋楼道堆放杂物")
    # 张伟's second finding is handed up; it still counts as his finding, not the leader's.
    second = rows(svc, Ticket)[1]
    zhang.chat.send(f"上报 {second.number} 需要城管配合")
    agent = app.test_client()
    login(agent, "admin")
    html = agent.get("/console/dashboard").get_data(as_text=True)
    assert '<div class="v" id="kpi-found">3</div>' in html and "主动发现数 =" in html
    table = list(csv.reader(io.StringIO(
        agent.get("/console/export/assessment.csv").get_data(as_text=True).lstrip("\ufeff"))))
    found = table[1].index("主动发现数")
    by = {(row[0], row[1]): row[found] for row in table[2:]}
    assert by[("网格", "幸福里第1网格")] == "2" and by[("网格", "幸福里第2网格")] == "1"
    assert by[("人员", "张伟")] == "2" and by[("人员", "王芳")] == "1"
    assert by[("人员", "周建国")] == "0"  # holds 张伟's escalated finding, found nothing


def test_a_photo_sent_in_wechat_is_the_evidence_when_resolved_on_the_page(app, demo, svc):
    zhang = Phone(app, "o_worker_01")
    answer = zhang.chat.send("巡查 幸福小区2栋门口路灯不亮")
    [ticket] = rows(svc, Ticket)
    zhang.chat.send_xml(
        "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o_worker_01]]>"
        "</FromUserName><CreateTime>1700000002</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        "<PicUrl><![CDATA[http://img/q.jpg]]></PicUrl><MediaId><![CDATA[mq]]></MediaId>"
        "<MsgId>9303</MsgId></xml>")
    zhang.open(LINK.search(answer).group(1))
    page = zhang.act("resolve", text="已更换灯泡")  # nothing uploaded on the page
    assert "已办结" in page.get_data(as_text=True)
    [photo] = rows(svc, Photo)
    [resolved] = rows(svc, TicketEvent, TicketEvent.action == "resolved")
    assert resolved.data["photo_ids"] == [photo.id] and rows(svc, Ticket)[0].status == "resolved"
