"""A service team member's phone page, as a member lives it: the push of a new order opens
the order's page; they take it, check in and out where they are, and report with a photo;
the resident gets the result with the photo. Nobody outside the teams it was published to
opens it, and the address stays hidden until the order is taken."""
from __future__ import annotations

import io

import pytest

from store.models import LocalDelivery, Photo, Ticket, TicketEvent
from store.service_models import ServiceClaim, ServiceOrder
from tests.bot.mobile.test_worker import LINK, Phone, jpeg, link
from tests.handlers.conftest import clock  # noqa: F401 (fixture)
from tests.support import Chat, rows, run_worker

RESIDENT, WORKER, SUN = "o_demo_resident", "o_worker_01", "o_member_03"


@pytest.fixture
def order_number(app, demo, svc, clock) -> str:
    """A resident's paperwork need, placed by the grid worker for one person."""
    Chat(app.test_client(), RESIDENT).send("我母亲腿脚不便，想请人帮忙代办医保报销手续，能帮忙吗")
    [ticket] = rows(svc, Ticket)
    clock.at(minutes=5)
    Chat(app.test_client(), WORKER).send(f"下单 {ticket.number} 1人 2小时 明天上午9点 幸福小区1栋201")
    return ticket.number


def pushed_url(app, svc, openid: str) -> str:
    run_worker(app)
    [push] = [d for d in rows(svc, LocalDelivery, LocalDelivery.to_openid == openid)
              if d.payload.get("url")]
    return push.payload["url"]


def test_a_member_takes_serves_and_reports_an_order_from_the_page(app, svc, order_number,
                                                                   clock):
    sun = Phone(app, SUN)
    url = pushed_url(app, svc, SUN)
    assert f"/m/s/{order_number}?t=" in url  # the push opens the order's phone page
    page = sun.open(url).get_data(as_text=True)
    assert "代办服务" in page and "幸福里第1网格" in page and 'id="claim"' in page
    assert "幸福小区1栋201" not in page  # no address before the order is taken

    page = sun.act("claim").get_data(as_text=True)
    assert "接单成功" in page and "幸福小区1栋201" in page and 'id="check-in"' in page

    clock.at(hours=24, minutes=2)  # the next morning: yesterday's link has expired (demo)
    listing = sun.open(LINK.search(sun.chat.send("服务单")).group(1)).get_data(as_text=True)
    assert "我已接单" in listing
    sun.open(LINK.search(listing.split('id="orders"')[1]).group(1))
    page = sun.act("check_in", lat="30.2712", lng="120.1021").get_data(as_text=True)
    assert "已签到，已记录位置" in page and 'id="check-out"' in page
    clock.at(hours=24, minutes=52)
    assert "本次服务 50 分钟" in sun.act("check_out", lat="30.2713", lng="120.1022") \
        .get_data(as_text=True)
    page = sun.browser.post(sun.page, data={
        "action": "report", "result": "材料已递交医保中心，报销款约十个工作日到账",
        "photos": [(io.BytesIO(jpeg()), "done.jpg")]},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "已反馈（1 张照片），居民将收到结果并评价" in page

    [claim] = rows(svc, ServiceClaim)
    assert (claim.check_in_lat, claim.check_out_lng, claim.minutes) == (30.2712, 120.1022, 50)
    [order] = rows(svc, ServiceOrder)
    [ticket] = rows(svc, Ticket)
    assert (order.status, ticket.status) == ("done", "resolved")
    [resolved] = rows(svc, TicketEvent, TicketEvent.action == "resolved")
    assert len(resolved.data["photo_ids"]) == 1  # the resident's progress page shows it
    run_worker(app)
    told = [d.payload.get("text", "") for d in
            rows(svc, LocalDelivery, LocalDelivery.to_openid == RESIDENT)]
    assert any("报销款约十个工作日到账" in text for text in told)


def test_a_report_without_a_check_in_changes_nothing(app, svc, order_number):
    sun = Phone(app, SUN)
    sun.open(pushed_url(app, svc, SUN))
    sun.act("claim")
    page = sun.act("report", result="办好了").get_data(as_text=True)
    assert f"请先回复「签到 {order_number}」签到" in page
    [order] = rows(svc, ServiceOrder)
    assert order.status == "full" and rows(svc, Ticket)[0].status != "resolved"


def test_only_members_of_the_teams_it_went_to_open_the_order(app, svc, order_number):
    wu = Phone(app, "o_member_06")  # 和平社区's volunteers do not serve this grid
    page = wu.open(link(app, "o_member_06", "mobile.member_order", number=order_number))
    assert page.status_code == 404 and "没有发布给您所在的服务队" in page.get_data(as_text=True)
    resident = Phone(app, RESIDENT)
    page = resident.open(link(app, RESIDENT, "mobile.member_order", number=order_number))
    assert page.status_code == 403 and "仅限工作人员" in page.get_data(as_text=True)


def test_the_members_list_shows_orders_waiting_and_in_hand(app, svc, order_number):
    sun = Phone(app, SUN)
    listing = sun.open(link(app, SUN, "mobile.member_orders")).get_data(as_text=True)
    assert order_number in listing and "待接单" in listing
    sun.open(link(app, SUN, "mobile.member_order", number=order_number))
    sun.act("claim")
    listing = sun.open(link(app, SUN, "mobile.member_orders")).get_data(as_text=True)
    assert "我已接单" in listing and "待接单" not in listing


def test_a_volunteer_opens_no_residents_photo_of_other_tickets_in_their_community(app, svc,
                                                                                  demo):
    """A member's area is their team's community, but they are not its staff: having opened
    their own 服务单 page, the photo addresses (numbered in order) show them nothing."""
    Chat(app.test_client(), RESIDENT).send("楼道灯坏了，灯座烧黑了")
    [ticket] = rows(svc, Ticket)
    with svc.db.transaction() as session:
        photo = Photo(ticket_id=ticket.id, status="stored", content_type="image/jpeg",
                      data=jpeg((40, 30)))
        session.add(photo)
        session.flush()
        photo_id = photo.id
    sun = Phone(app, SUN)  # 孙红 of 区卫健局后盾单位, a team of 幸福里社区
    assert sun.open(link(app, SUN, "mobile.member_orders")).status_code == 200
    refused = sun.browser.get(f"/m/photos/{photo_id}?full=1")
    assert refused.status_code == 404 and refused.content_type.startswith("text/html")
    zhang = Phone(app, WORKER)  # the grid's worker still sees it
    zhang.open(link(app, WORKER, "mobile.worker_ticket", number=ticket.number))
    assert zhang.browser.get(f"/m/photos/{photo_id}").content_type == "image/jpeg"


WHO = "我叫王秀英，住幸福小区3栋2单元501室，独居腿脚不便，想请人帮忙代办医保报销，电话13912345678"


def test_a_volunteer_reads_who_and_which_door_only_after_taking_the_order(app, demo, svc, clock):
    """Before taking it a volunteer decides by the matter and the estate: the push and the
    page name 王**, no room and no phone; once taken, the page tells them whom to see where."""
    Chat(app.test_client(), RESIDENT).send(WHO)
    [ticket] = rows(svc, Ticket)
    clock.at(minutes=5)
    Chat(app.test_client(), WORKER).send(f"下单 {ticket.number} 1人 2小时 明天上午9点")
    sun = Phone(app, SUN)
    run_worker(app)
    [push] = [d for d in rows(svc, LocalDelivery, LocalDelivery.to_openid == SUN)
              if d.payload.get("url")]
    pushed = str(push.payload)
    page = sun.open(push.payload["url"]).get_data(as_text=True)
    for before in (pushed, page):
        assert "王秀英" not in before and "501" not in before and "13912345678" not in before
        assert "5678" not in before and "电话[接单后可见]" in before
    assert "王**" in page and "代办医保报销" in page and "幸福里第1网格" in page
    assert "幸福小区" in page  # the estate: enough to decide whether to go

    page = sun.act("claim").get_data(as_text=True)
    assert "王秀英" in page and "501室" in page and "tel:13912345678" in page
