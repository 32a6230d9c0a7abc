"""A grid worker's phone in a real browser (Debian's chromium, a cheap Android's viewport,
zh-CN): the link WeChat gave opens the ticket page; accept, reply, resolve with a photo; a
patrol finding reported and resolved at once (即报即办). Screenshots go to artifacts/."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from store.demo import DEMO_RESIDENT
from store.models import LocalDelivery, Photo, Ticket
from tests.browser.conftest import wait_until
from tests.support import Chat, rows

LINK = re.compile(r'<a href="([^"]+)">')
# A cheap Android phone in WeChat's built-in browser.
PHONE = dict(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
             has_touch=True, locale="zh-CN",
             user_agent="Mozilla/5.0 (Linux; Android 10; M2006C3LC) AppleWebKit/537.36 (KHTML, "
                        "like Gecko) Chrome/107.0 Mobile Safari/537.36 MicroMessenger/8.0.47")
# A browser's geolocation is WGS-84; this is (30.2726, 120.1027) on the grids' GCJ-02 map,
# inside 幸福里第1网格 (unmoved it would fall 500 m east, outside every grid).
IN_GRID_1 = {"latitude": 30.27487, "longitude": 120.09789}


@pytest.fixture
def phone(browser, live):
    contexts, refused = [], []

    def make(**extra):
        context = browser.new_context(**PHONE, base_url=live.url, **extra)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: refused.append(message.text)
                if "Content Security Policy" in message.text else None)
        return page
    yield make
    for context in contexts:
        context.close()
    assert not refused, refused


def camera_photo(path) -> str:
    """A 4000×3000 JPEG of a manhole cover on a grey pavement, as a phone's camera makes
    them (several MB: the grain of a real photo)."""
    grain = Image.effect_noise((4000, 3000), 40).convert("RGB")
    scene = Image.new("RGB", (4000, 3000), (150, 150, 140))
    ImageDraw.Draw(scene).ellipse((1200, 700, 2800, 2300), fill=(60, 60, 65),
                                  outline=(30, 30, 30), width=60)
    Image.blend(scene, grain, 0.35).save(path, "JPEG", quality=92)
    return str(path)


def local(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_a_worker_accepts_replies_and_resolves_on_the_phone(phone, live, screenshot,
                                                            tmp_path):
    svc = live.app.extensions["griddesk"]
    Chat(live.app.test_client(), DEMO_RESIDENT).send(
        "幸福小区3栋2单元楼道灯坏了三天，晚上很黑，老人上下楼不方便，电话13912345678")
    pushed = []
    wait_until(lambda: pushed.extend(rows(svc, LocalDelivery,
                                          LocalDelivery.to_openid == "o_worker_01")) or pushed)
    page = phone()
    page.goto(local(pushed[0].payload["url"]))  # the new ticket's push (a template's url)
    expect(page.locator("h1")).to_contain_text("路灯/井盖/道路")
    expect(page.locator("#words")).to_contain_text("楼道灯坏了三天")
    expect(page.locator("#call")).to_have_attribute("href", "tel:13912345678")
    expect(page.locator("#place svg.outline")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    screenshot(page, "mobile-worker-ticket.png")

    page.click("#accept")
    expect(page.locator(".flash")).to_contain_text("已接单")
    expect(page.locator("#status")).to_have_text("处理中")

    page.click("#reply summary")
    page.fill("#reply textarea", "您好，已联系物业电工，今天下午更换灯泡。")
    page.click("#reply button")
    expect(page.locator(".flash")).to_contain_text("已回复居民")

    expect(page.locator("#resolve")).to_have_attribute("open", "")
    page.fill("#resolve-text", "已更换 3 栋 2 单元楼道灯泡，恢复照明")
    original = camera_photo(tmp_path / "IMG_20261130_1530.jpg")
    page.set_input_files("#resolve input[type=file]", original)
    expect(page.locator("#resolve .chosen img")).to_have_count(1)
    page.click("#resolve button")
    expect(page.locator(".flash")).to_contain_text("已办结（1 张照片）")
    expect(page.locator("#status")).to_have_text("已办结")
    thumb = page.locator("#timeline .photos img").first
    expect(thumb).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=thumb.element_handle())
    assert thumb.evaluate("img => Math.max(img.naturalWidth, img.naturalHeight)") == 360
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "mobile-worker-resolved.png")

    # The phone sent a picture redrawn at 1600 px, not the camera's 4000 px original.
    [photo] = rows(svc, Photo)
    with svc.db.sessions() as session:
        data = session.get(Photo, photo.id).data
    assert max(Image.open(io.BytesIO(data)).size) == 1600
    assert len(data) < (tmp_path / "IMG_20261130_1530.jpg").stat().st_size / 3
    [ticket] = rows(svc, Ticket)
    assert ticket.status == "resolved"


def test_a_patrol_finding_reported_and_resolved_at_once(phone, live, screenshot, tmp_path):
    svc = live.app.extensions["griddesk"]
    reply = Chat(live.app.test_client(), "o_worker_01").send("巡查")
    page = phone(geolocation=IN_GRID_1, permissions=["geolocation"])
    page.goto(local(LINK.search(reply).group(1)))
    expect(page.locator("#where")).to_contain_text("已定位：纬度 30.274870")
    page.select_option("#category", "路灯/井盖/道路")
    page.fill("#words", "幸福小区2栋门口井盖松动，踩上去会晃")
    page.set_input_files("input[type=file]", camera_photo(tmp_path / "found.jpg"))
    page.check("#resolve-now")
    expect(page.locator("#send")).to_have_text("上报并办结")
    page.fill("textarea[name=result]", "已将井盖复位并用水泥固定")
    screenshot(page, "mobile-patrol.png")
    page.click("#send")
    expect(page.locator(".flash")).to_contain_text("已即报即办")
    expect(page.locator("#status")).to_have_text("已办结")
    expect(page.locator("#place svg .spot")).to_be_visible()  # where it was, on the grid
    thumb = page.locator("#timeline .photos img")
    expect(thumb).to_have_count(1)
    thumb.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=thumb.element_handle())
    page.evaluate("window.scrollTo(0, 0)")  # the sticky bar back on top for the shot
    screenshot(page, "mobile-patrol-resolved.png")
    [ticket] = rows(svc, Ticket)
    assert (ticket.channel, ticket.status, ticket.grid.name) == \
        ("patrol", "resolved", "幸福里第1网格")
    assert (round(ticket.lat, 4), round(ticket.lng, 4)) == (30.2726, 120.1027)  # on the map

    page.click("header .back")
    expect(page.locator("#patrol-link")).to_be_visible()
    screenshot(page, "mobile-worker-todo.png")
