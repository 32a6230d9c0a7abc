"""The resident's phone pages, opened from the links GridDesk sends: 我的工单, a ticket's
progress, the rating and 未解决 — through the real webhook, worker and store."""
from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from PIL import Image

from store import photos, tickets
from store.models import LocalDelivery, Outbox, Ticket, TicketEvent
from tests.support import Chat, rows, run_worker

WORKER = "o_worker_01"  # 张伟, the worker of the demo resident's grid
LINK = re.compile(r'<a href="([^"]+)">([^<]+)</a>$')


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def link_in(text: str) -> tuple[str, str]:
    """The closing link of a text as WeChat shows it: (path on this server, its label)."""
    found = LINK.search(text)
    assert found, text
    return path_of(found.group(1)), found.group(2)


def report(chat) -> str:
    return chat.send("3栋楼道灯坏了三天了").split("工单号 ")[1][:10]


def resolved(app, chat, svc, evidence: bool = False) -> tuple[str, str]:
    """A report the worker resolved; (its number, the link the resident's message carries)."""
    number = report(chat)
    zhang = Chat(app.test_client(), WORKER)
    if evidence:  # the result photos a worker adds on the ticket page
        with svc.changing() as session:
            ticket = tickets.by_number(session, number)
            kept = photos.attach(session, ticket.id, uploads=[jpeg("#3a7"), jpeg("#a73")],
                                 now=svc.now())
            tickets.resolve(session, ticket, ticket.assignee, "已更换灯泡", svc.now(),
                            evidence=[p.id for p in kept])
    else:
        assert zhang.send(f"办结 {number} 已更换灯泡").startswith("已办结")
    run_worker(app)
    [told] = rows(svc, LocalDelivery, LocalDelivery.to_openid == chat.openid)[-1:]
    return number, told.payload["text"]


def post_on_opened_page(app, chat, svc, form: dict) -> tuple[str, str]:
    """The resident opens the result's link and posts the page's form: (number, page)."""
    number, text = resolved(app, chat, svc)
    path, _ = link_in(text)
    phone = app.test_client()
    phone.get(path)
    return number, phone.post(path, data=form, follow_redirects=True).get_data(as_text=True)


def jpeg(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), colour).save(out, "JPEG")
    return out.getvalue()


def test_my_tickets_reply_links_to_the_list_of_the_residents_own_tickets(app, chat, demo):
    number = report(chat)
    other = Chat(app.test_client(), "o_someone_else")
    other.event("subscribe", f"qrscene_grid:{demo.FIRST_GRID}")
    theirs = report(other)
    reply = chat.send("我的工单")
    path, label = link_in(reply)
    assert path.startswith("/m/my?t=") and label == "打开我的工单（查看进度、评价）"
    page = app.test_client().get(path)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<title>我的工单</title>" in body
    assert number in body and "待接单" in body and theirs not in body
    assert 'lang="zh-CN"' in body and 'name="viewport"' in body


def test_a_resident_rates_a_resolved_ticket_from_the_link_in_the_result(app, chat, svc):
    number, text = resolved(app, chat, svc)
    path, label = link_in(text)
    assert path.startswith(f"/m/my/{number}?t=") and label == "查看办理进度"
    phone = app.test_client()
    page = phone.get(path).get_data(as_text=True)
    assert "请为本次办理评价" in page and "已办结：已更换灯泡" in page
    done = phone.post(path, data={"action": "rate", "score": "5", "comment": "很及时，谢谢"},
                      follow_redirects=True)
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and "感谢您的评价" in body and "★★★★★" in body
    assert "请为本次办理评价" not in body  # rated once
    [ticket] = rows(svc, Ticket)
    assert (ticket.status, ticket.rating, ticket.rating_comment) == ("closed", 5, "很及时，谢谢")
    # as the conversation records it (then its handler is told of the good rating)
    assert [e.action for e in rows(svc, TicketEvent)][-2:] == ["rated", "praise_told"]


def test_a_rating_needs_a_score(app, chat, svc):
    _, body = post_on_opened_page(app, chat, svc, {"action": "rate", "comment": "一般"})
    assert "请先选择 1 到 5 颗星" in body
    assert rows(svc, Ticket)[0].status == "resolved"


def test_not_fixed_reopens_the_ticket_for_the_same_worker(app, chat, svc):
    number, body = post_on_opened_page(app, chat, svc,
                                       {"action": "reopen", "reason": "灯还是不亮"})
    assert f"已重新办理工单 {number}" in body and "重新办理" in body
    [ticket] = rows(svc, Ticket)
    assert ticket.status == "reopened" and ticket.reopen_count == 1
    [notice] = rows(svc, Outbox, Outbox.to_openid == WORKER, Outbox.purpose == "reopened")
    assert "灯还是不亮" in notice.payload["text"]


def test_a_forwarded_progress_link_cannot_rate(app, chat, svc):
    number, text = resolved(app, chat, svc)
    path, _ = link_in(text)
    owner, friend = app.test_client(), app.test_client()
    assert owner.get(path).status_code == 200
    seen = friend.get(path)
    assert seen.status_code == 403 and "另一部手机" in seen.get_data(as_text=True)
    acted = friend.post(path, data={"action": "rate", "score": "1"})
    assert acted.status_code == 403
    assert rows(svc, Ticket)[0].rating is None


def test_a_link_made_for_one_resident_shows_no_other_residents_ticket(app, chat, demo, svc):
    number = report(chat)
    with app.app_context():
        from bot.mobile.auth import page_link
        url = page_link("o_someone_else", "mobile.resident_ticket", number=number)
    page = app.test_client().get(path_of(url))
    assert page.status_code == 404 and "没有找到这张工单" in page.get_data(as_text=True)


def test_the_workers_result_photos_show_as_thumbnails(app, chat, svc):
    number, text = resolved(app, chat, svc, evidence=True)
    path, _ = link_in(text)
    phone = app.test_client()
    page = phone.get(path).get_data(as_text=True)
    assert "办理结果照片" in page
    thumbs = re.findall(r'<img src="([^"]+)"', page)
    assert len(thumbs) == 2
    picture = phone.get(thumbs[0].replace("&amp;", "&"))
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(picture.data)).size) <= photos.THUMBNAIL_PX
    assert len(picture.data) < 30_000  # a thumbnail, not the 1600 px original


def test_pictures_that_are_not_results_are_not_the_residents_to_see(app, chat, svc):
    number, text = resolved(app, chat, svc, evidence=True)
    with svc.changing() as session:  # a picture kept with the ticket but not as a result
        internal = photos.add_upload(session, ticket_id=rows(svc, Ticket)[0].id,
                                     data=jpeg("#000"), now=svc.now()).id
    with app.app_context():
        from bot.mobile.auth import page_link
        url = page_link(chat.openid, "mobile.resident_photo", number=number, photo_id=internal)
    assert app.test_client().get(path_of(url)).status_code == 404


@pytest.mark.parametrize("form", [{"action": "rate", "score": "5"}, {"action": "reopen"}])
def test_page_forms_need_the_csrf_token(app, chat, svc, form):
    number, text = resolved(app, chat, svc)
    path, _ = link_in(text)
    phone = app.test_client()
    page = phone.get(path).get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    refused = phone.post(path, data=form)
    assert refused.status_code == 400 and "请求有误" in refused.get_data(as_text=True)
    assert rows(svc, Ticket)[0].status == "resolved"
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert phone.post(path, data={**form, "csrf_token": token}).status_code == 302
    assert rows(svc, Ticket)[0].status in ("closed", "reopened")


def test_cancel_before_anyone_accepted(app, chat, svc):
    number = report(chat)
    with app.app_context():
        from bot.mobile.auth import page_link
        url = path_of(page_link(chat.openid, "mobile.resident_ticket", number=number))
    phone = app.test_client()
    assert "撤回这张工单" in phone.get(url).get_data(as_text=True)
    body = phone.post(url, data={"action": "cancel"}, follow_redirects=True).get_data(True)
    assert f"已取消工单 {number}" in body
    assert rows(svc, Ticket)[0].status == "cancelled"
    assert rows(svc, TicketEvent)[-1].action == "cancelled"
