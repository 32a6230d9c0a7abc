"""An agent places a pool ticket (a resident bound to no grid, no place named) in a grid from
the console: the grid's worker gets the push and the resident is told where it went."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from store.models import Outbox
from tests.browser.conftest import wait_until
from tests.support import Chat

NUMBER = re.compile(r"工单号 (\d{10})")


def test_an_agent_places_a_pool_ticket_in_a_grid(new_page, screenshot, live):
    stranger = Chat(live.app.test_client(), "o_stranger")
    number = NUMBER.search(stranger.send("路边井盖丢了，晚上很危险")).group(1)

    page = new_page("admin")
    page.goto(f"/console/tickets/{number}")
    expect(page.locator("#place")).to_contain_text("待定位池")
    box = page.locator("#grid-box")
    box.press_sequentially("和平第2")  # the datalist fills from the grid search as one types
    expect(page.locator("#grid-options option[value='330199001002002']")).to_have_count(1)
    box.fill("330199001002002")
    page.click("#place button")
    expect(page.locator(".flash")).to_contain_text("已派往和平第2网格，由陈静负责并已推送")
    expect(page.locator(".timeline")).to_contain_text("派往网格")
    screenshot(page, "console-place-pool-ticket.png")

    svc = live.app.extensions["griddesk"]

    def pushed(openid, purpose):
        with svc.db.sessions() as session:
            return session.scalars(select(Outbox).where(Outbox.to_openid == openid,
                                                        Outbox.purpose == purpose)).all()
    wait_until(lambda: pushed("o_stranger", "placed"))
    [told] = pushed("o_stranger", "placed")
    assert "已派往“和平第2网格”" in told.payload["text"]
    [push] = pushed("o_worker_05", "ticket_assigned")
    assert number in push.payload["text"] and "派往网格" in push.payload["title"]


def test_an_ambiguous_grid_name_is_refused_with_the_choices(new_page, live):
    number = NUMBER.search(Chat(live.app.test_client(), "o_stranger").send(
        "路边井盖丢了")).group(1)
    page = new_page("admin")
    page.goto(f"/console/tickets/{number}")
    page.fill("#grid-box", "和平")
    page.click("#place button")
    expect(page.locator(".flash")).to_contain_text("找到多个网格：和平第1网格（330199001002001）")
