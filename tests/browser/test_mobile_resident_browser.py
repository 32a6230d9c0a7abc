"""A resident's phone in a real browser (Debian's chromium, a cheap Android's viewport, zh-CN):
the link in the reply to 我的工单 opens their tickets; the resolved one shows the worker's result
photo and takes a rating. And the simulator's phone opens the same pages inside its frame.
Screenshots go to artifacts/."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from store import photos, tickets
from store.demo import DEMO_RESIDENT
from store.models import Ticket
from tests.browser.conftest import wait_until
from tests.browser.test_mobile_worker_browser import LINK, local, phone  # noqa: F401
from tests.support import Chat, rows


def finished_work() -> bytes:
    """The worker's photo of the new lamp (a phone camera's size)."""
    image = Image.new("RGB", (1600, 1200), (70, 80, 95))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 900, 1600, 1200), fill=(120, 115, 105))
    draw.ellipse((650, 150, 950, 450), fill=(255, 240, 180))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def resolved_with_a_photo(live) -> str:
    svc = live.app.extensions["griddesk"]
    resident = Chat(live.app.test_client(), DEMO_RESIDENT)
    number = resident.send("幸福小区3栋2单元楼道灯坏了三天，晚上很黑").split("工单号 ")[1][:10]
    with svc.changing() as session:  # as the worker does on the ticket page
        ticket = tickets.by_number(session, number)
        kept = photos.attach(session, ticket.id, uploads=[finished_work()], now=svc.now())
        tickets.resolve(session, ticket, ticket.assignee, "已更换为LED灯，楼道恢复照明",
                        svc.now(), evidence=[p.id for p in kept])
    return number


def test_a_resident_opens_my_tickets_and_rates(phone, live, screenshot):  # noqa: F811
    svc = live.app.extensions["griddesk"]
    number = resolved_with_a_photo(live)
    reply = Chat(live.app.test_client(), DEMO_RESIDENT).send("我的工单")
    page = phone()
    page.goto(local(LINK.search(reply).group(1)))
    expect(page).to_have_title("我的工单")
    entry = page.locator("ul.list li", has_text=number)
    expect(entry).to_contain_text("已办结")
    expect(entry).to_contain_text("待评价")
    screenshot(page, "mobile-my-tickets.png")

    entry.click()
    expect(page.locator("h1")).to_have_text(number)
    expect(page.locator(".timeline")).to_contain_text("已办结：已更换为LED灯，楼道恢复照明")
    thumb = page.locator(".photos img").first
    expect(thumb).to_be_visible()
    wait_until(lambda: thumb.evaluate("img => img.complete && img.naturalWidth") > 0)
    assert thumb.evaluate("img => img.naturalWidth") <= 360  # the thumbnail, not the photo
    page.locator("label[for=score4]").click()
    page.fill("#comment", "很及时，师傅态度也好")
    screenshot(page, "mobile-resident-ticket.png")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator(".flash")).to_contain_text("感谢您的评价")
    expect(page.locator(".stars-shown")).to_have_text("★★★★☆")
    screenshot(page, "mobile-resident-rated.png")
    [ticket] = rows(svc, Ticket)
    assert (ticket.status, ticket.rating, ticket.rating_comment) == (
        "closed", 4, "很及时，师傅态度也好")


def test_the_simulators_phone_opens_the_page_inside_its_frame(new_page, live, screenshot):
    number = resolved_with_a_photo(live)
    sim = new_page("admin")
    sim.goto("/console/simulator")
    resident = sim.locator("#resident-phone")
    resident.get_by_role("button", name="我的工单").click()
    opener = resident.locator(".bubble a.open", has_text="打开我的工单")
    expect(opener).to_be_visible()
    opener.click()
    frame = resident.frame_locator("iframe")
    expect(frame.locator("ul.list li", has_text=number)).to_contain_text("待评价")
    frame.locator("ul.list li", has_text=number).click()
    expect(frame.locator("h1")).to_have_text(number)
    thumb = frame.locator(".photos img").first
    wait_until(lambda: thumb.evaluate("img => img.complete && img.naturalWidth") > 0)
    screenshot(sim, "console-simulator-phone-page.png")
    resident.get_by_role("button", name="✕ 关闭").click()
    expect(resident.locator(".page")).to_be_hidden()
