"""The grid worker's ticket page, as a worker lives it: the link in WeChat's reply to
`查看 <号>` opens the page; accept, reply, resolve with a photo, escalate, transfer and 申请延期
happen there, through store.tickets like the console's; nobody else acts."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from PIL import Image
from sqlalchemy import select

from bot.mobile.auth import page_link
from store.models import LocalDelivery, Outbox, Photo, Ticket, TicketEvent
from tests.support import Chat, rows, run_worker

LINK = re.compile(r'<a href="([^"]+)">')
PHONE = "13912345678"


def jpeg(size=(1200, 900), color="red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def link(app, openid: str, endpoint: str = "mobile.worker_ticket", **values) -> str:
    with app.app_context():
        return path_of(page_link(openid, endpoint, **values))


class Phone:
    """A staff member's phone: their WeChat chat and their browser."""

    def __init__(self, app, openid: str):
        self.app, self.openid = app, openid
        self.chat = Chat(app.test_client(), openid)
        self.browser = app.test_client()
        self.page = None

    def open(self, url: str):
        self.page = path_of(url)
        return self.browser.get(self.page)

    def act(self, action: str, **form):
        data = {"action": action, **form}
        return self.browser.post(self.page, data=data, content_type="multipart/form-data",
                                 follow_redirects=True)


@pytest.fixture
def ticket_number(chat, svc) -> str:
    chat.send(f"幸福小区3栋楼道灯坏了三天，晚上很黑，电话{PHONE}")
    [ticket] = rows(svc, Ticket)
    return ticket.number


@pytest.fixture
def zhang(app, demo) -> Phone:
    return Phone(app, "o_worker_01")  # 张伟, grid worker of 幸福里第1网格


def the_ticket(svc, number) -> Ticket:
    [ticket] = rows(svc, Ticket, Ticket.number == number)
    return ticket


def to_resident(svc, purpose):
    return rows(svc, Outbox, Outbox.to_openid == "o_demo_resident", Outbox.purpose == purpose)


def pushed_link(app, svc, openid: str) -> str:
    """The url of the last template message the delivery worker sent this person."""
    run_worker(app)
    return rows(svc, LocalDelivery, LocalDelivery.to_openid == openid)[-1].payload["url"]


def test_the_worker_accepts_replies_and_resolves_with_a_photo_on_the_page(
        app, zhang, ticket_number, svc):
    page = zhang.open(pushed_link(app, svc, zhang.openid))  # the new ticket's push
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "楼道灯坏了三天" in html and "路灯/井盖/道路" in html and "幸福里第1网格" in html
    assert f'href="tel:{PHONE}"' in html  # the handler may call the resident
    assert '<svg class="outline"' in html  # the grid's outline, drawn by us
    assert '<span>接单</span><span class="muted">限 ' in html and "剩 15 分钟" in html

    page = zhang.act("accept")
    assert "已接单" in page.get_data(as_text=True)
    assert the_ticket(svc, ticket_number).status == "accepted"
    assert "张伟" in to_resident(svc, "accepted")[0].payload["text"]

    zhang.act("reply", text="已联系物业，下午来换灯泡")
    assert "下午来换灯泡" in to_resident(svc, "replied")[0].payload["text"]

    page = zhang.act("resolve", text="已更换灯泡，恢复照明",
                     photos=[(io.BytesIO(jpeg()), "done.jpg")])
    assert "已办结（1 张照片）" in page.get_data(as_text=True)
    ticket = the_ticket(svc, ticket_number)
    assert ticket.status == "resolved" and ticket.resolved_by_id is not None
    [photo] = rows(svc, Photo, Photo.ticket_id == ticket.id)
    [resolved] = rows(svc, TicketEvent, TicketEvent.action == "resolved")
    assert resolved.data["photo_ids"] == [photo.id] and photo.status == "stored"
    assert "已更换灯泡" in to_resident(svc, "resolved")[0].payload["text"]

    # The page shows a thumbnail, made once with Pillow, not the photo itself.
    html = zhang.browser.get(zhang.page).get_data(as_text=True)
    assert f"/m/photos/{photo.id}" in html
    thumb = zhang.browser.get(f"/m/photos/{photo.id}")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    small = Image.open(io.BytesIO(thumb.data))
    assert max(small.size) <= 360 and len(thumb.data) < len(jpeg())
    assert "max-age" in thumb.headers["Cache-Control"]
    full = zhang.browser.get(f"/m/photos/{photo.id}?full=1")
    assert Image.open(io.BytesIO(full.data)).size == (1200, 900)
    # Out of scope, a photo does not exist; with no page opened, there are no photos.
    wang = Phone(app, "o_worker_02")
    assert wang.open(link(app, wang.openid, "mobile.worker_todo")).status_code == 200
    assert wang.browser.get(f"/m/photos/{photo.id}").status_code == 404
    assert app.test_client().get(f"/m/photos/{photo.id}").status_code == 403
    with svc.db.sessions() as session:  # stored, not made again
        assert session.scalar(select(Photo.thumbnail).where(Photo.id == photo.id)) == thumb.data


def test_camera_photos_larger_than_the_apps_1_mb_limit_are_taken(app, zhang, ticket_number,
                                                                  svc):
    """A phone without the page's script sends its camera's originals: 3 MB each here."""
    grain = io.BytesIO()
    Image.effect_noise((2000, 1500), 80).convert("RGB").save(grain, "JPEG", quality=95)
    assert len(grain.getvalue()) > 1024 * 1024
    zhang.open(link(app, zhang.openid, number=ticket_number))
    page = zhang.act("resolve", text="已修好", photos=[(io.BytesIO(grain.getvalue()), "a.jpg"),
                                                     (io.BytesIO(grain.getvalue()), "b.jpg")])
    assert "已办结（2 张照片）" in page.get_data(as_text=True)
    # elsewhere the app's limit stands
    assert app.test_client().post("/wechat", data=grain.getvalue()).status_code == 413


def test_the_jssdk_media_ids_are_downloaded_like_a_residents_picture(
        app, zhang, ticket_number, svc):
    zhang.open(link(app, zhang.openid, number=ticket_number))
    zhang.act("resolve", text="已修好", media_id=["MEDIA_1", "MEDIA_2"])
    photos = rows(svc, Photo)
    assert [p.status for p in photos] == ["pending", "pending"]
    assert [p.media_id for p in photos] == ["MEDIA_1", "MEDIA_2"]
    run_worker(app)  # the local transport's sample picture
    assert [p.status for p in rows(svc, Photo)] == ["stored", "stored"]
    bad = zhang.act("resolve", text="x", media_id="../../etc")
    assert bad.status_code == 400 and "请求有误" in bad.get_data(as_text=True)


def test_a_bad_photo_or_too_many_are_refused_in_chinese_and_nothing_changes(
        app, zhang, ticket_number, svc):
    zhang.open(link(app, zhang.openid, number=ticket_number))
    page = zhang.act("resolve", text="已修好", photos=[(io.BytesIO(b"<svg/>"), "x.jpg")])
    assert "第 1 张不是照片" in page.get_data(as_text=True)
    page = zhang.act("resolve", text="已修好",
                     photos=[(io.BytesIO(jpeg((20, 20))), f"{n}.jpg") for n in range(10)])
    assert "最多上传 9 张照片" in page.get_data(as_text=True)
    page = zhang.act("resolve", text="")
    assert "请填写办结说明" in page.get_data(as_text=True)
    assert the_ticket(svc, ticket_number).status == "assigned" and rows(svc, Photo) == []
    html = zhang.act("resolve", text="已修好").get_data(as_text=True)  # no photo: none named
    assert "已办结，居民将收到办结通知和评价邀请" in html and "张照片" not in html


def test_escalate_and_transfer_from_the_page(app, zhang, ticket_number, chat, svc):
    zhang.open(link(app, zhang.openid, number=ticket_number))
    page = zhang.act("escalate", text="需要物业配合")
    assert "已上报至网格长周建国" in page.get_data(as_text=True)  # who has it now, not the grid
    ticket = the_ticket(svc, ticket_number)
    assert ticket.tier == "grid_leader" and ticket.assignee.username == "leader01"
    [event] = rows(svc, TicketEvent, TicketEvent.action == "escalated")
    assert event.body == "需要物业配合" and event.staff.username == "worker01"
    html = zhang.browser.get(zhang.page).get_data(as_text=True)  # his page says whose it is
    assert "已转交网格长周建国" in html and "您无需再接单或办结" in html
    assert 'id="accept"' not in html and 'id="resolve"' not in html and 'id="reply"' in html

    chat.send("新问题 小区门口占道摆摊，堵住消防通道")
    other = [t for t in rows(svc, Ticket) if t.number != ticket_number][0]
    zhang.open(link(app, zhang.openid, number=other.number))
    html = zhang.browser.get(zhang.page).get_data(as_text=True)
    assert "<option>城管</option>" in html or ">城管<" in html  # the department picker
    page = zhang.act("transfer", department="")  # nothing chosen: asked to choose, no “”
    assert "请选择要转办的部门" in page.get_data(as_text=True)
    assert "没有找到部门" not in page.get_data(as_text=True)
    page = zhang.act("transfer", department="城管")
    assert "已转办城管" in page.get_data(as_text=True)
    other = the_ticket(svc, other.number)
    assert other.tier == "department" and other.department == "城管"
    assert "城管" in to_resident(svc, "transferred")[0].payload["text"]


def test_a_worker_asks_for_more_time_and_the_grid_leader_grants_it(
        app, zhang, ticket_number, svc):
    zhang.open(link(app, zhang.openid, number=ticket_number))
    due = the_ticket(svc, ticket_number).resolve_by
    page = zhang.act("extend", text="灯具需要订货", hours="48")
    assert "已申请延期 48 小时，等待周建国批准" in page.get_data(as_text=True)
    assert the_ticket(svc, ticket_number).extended_at is None  # asked, not granted
    [asked] = rows(svc, Outbox, Outbox.to_openid == "o_leader_01",
                   Outbox.purpose == "extension_requested")
    assert "灯具需要订货" in asked.payload["text"]

    leader = Phone(app, "o_leader_01")
    html = leader.open(link(app, leader.openid, number=ticket_number)).get_data(as_text=True)
    assert "批准延期" in html and "灯具需要订货" in html
    assert 'href="tel:' not in html and "139****5678" in html  # not the handler: masked
    page = leader.act("extend", text="灯具需要订货", hours="48")
    assert "已延期 48 小时" in page.get_data(as_text=True)
    ticket = the_ticket(svc, ticket_number)
    assert ticket.extended_at is not None
    assert ticket.resolve_by - due >= timedelta(hours=47)
    assert "灯具需要订货" in to_resident(svc, "extended")[0].payload["text"]


def test_the_reply_to_view_links_to_the_page(app, zhang, ticket_number):
    reply = zhang.chat.send(f"查看 {ticket_number}")
    assert "打开工单页面（接单、回复、办结）" in reply
    page = zhang.open(LINK.search(reply).group(1))
    assert page.status_code == 200 and ticket_number in page.get_data(as_text=True)


def test_another_worker_a_resident_and_a_forwarded_link_cannot_act(
        app, zhang, ticket_number, chat, svc):
    wang = Phone(app, "o_worker_02")  # 王芳, grid 2: not her ticket
    page = wang.open(link(app, wang.openid, number=ticket_number))
    assert page.status_code == 404 and "没有找到工单" in page.get_data(as_text=True)
    assert wang.act("accept").status_code == 404
    assert "没有找到工单" in wang.chat.send(f"查看 {ticket_number}")

    resident = Phone(app, chat.openid)  # a resident is no staff member
    page = resident.open(link(app, chat.openid, number=ticket_number))
    assert page.status_code == 403 and "仅限工作人员" in page.get_data(as_text=True)

    # 张伟's own link, forwarded after he opened it, acts on no other phone.
    url = link(app, zhang.openid, number=ticket_number)
    assert zhang.open(url).status_code == 200
    other = Phone(app, zhang.openid)
    assert other.open(url).status_code == 403
    assert other.act("accept").status_code == 403
    assert the_ticket(svc, ticket_number).status == "assigned"


def test_the_list_puts_overdue_first_then_the_nearest_deadline(app, zhang, chat, svc):
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as clock:
        chat.send("幸福小区1栋门口垃圾没人清运")
        clock.shift(timedelta(minutes=20))  # the first one's accept clock has run out
        chat.send("新问题 幸福小区2栋电梯坏了")
        chat.send("新问题 幸福小区3栋楼道灯坏了")
        first, second, third = rows(svc, Ticket)
        zhang.open(link(app, zhang.openid, number=second.number))
        zhang.act("accept")  # accepted: its next deadline (the reply's) is after the third's
        html = zhang.open(link(app, zhang.openid, "mobile.worker_todo")).get_data(as_text=True)
    order = [html.index(t.number) for t in (first, third, second)]
    assert order == sorted(order) and "超时" in html
    assert html.count('class="late"') == 1 and "巡查上报" in html
