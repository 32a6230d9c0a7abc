"""The console and the simulator in a real browser (Debian's chromium through Playwright)."""
import re

from playwright.sync_api import expect

from store.demo import DEMO_RESIDENT
from tests.support import Chat

NUMBER = re.compile(r"工单号 (\d{10})")


def test_a_complaint_goes_round_the_loop_in_the_browser(new_page, screenshot, live):
    inbox = new_page("admin")
    inbox.goto("/console/dashboard")
    expect(inbox.locator("#kpi-total")).to_have_text("0")
    inbox.goto("/console/")

    sim = new_page(None)
    sim.context.add_cookies(inbox.context.cookies())
    sim.goto("/console/simulator")
    resident = sim.locator("#resident-phone")
    resident.locator("input[name=text]").fill("幸福里小区3栋楼道灯坏了好几天了，晚上很黑")
    resident.locator("input[name=text]").press("Enter")
    reply = resident.locator(".bubble.them", has_text="已受理")
    expect(reply).to_be_visible()
    number = NUMBER.search(reply.inner_text()).group(1)

    # The inbox, left open in another tab, shows it without a reload.
    row = inbox.locator(f"#results tr[data-id]", has_text=number)
    expect(row).to_be_visible(timeout=12_000)
    expect(row).to_contain_text("张伟")
    screenshot(inbox, "console-inbox.png")

    # The grid worker accepts from WeChat; the resident is told who has it.
    worker = sim.locator("#worker-phone")
    expect(worker.locator(".bubble.them", has_text=number).first).to_be_visible()
    worker.locator("input[name=text]").fill(f"接单 {number}")
    worker.locator("input[name=text]").press("Enter")
    expect(worker.locator(".bubble.them", has_text="已接单").last).to_be_visible()
    expect(resident.locator(".bubble.them", has_text="已由网格员张伟")).to_be_visible()

    # The agent replies and resolves from the ticket page.
    inbox.click(f"text={number}")
    inbox.fill("#reply-text", "您好，物业已安排电工今天下午更换灯泡。")
    inbox.click("button[value=reply]")
    expect(inbox.locator(".flash")).to_contain_text("已回复居民")
    inbox.fill("textarea[placeholder^=办结说明]", "已更换 3 栋楼道灯泡，恢复照明")
    inbox.click("text=办结 >> nth=-1")
    expect(inbox.locator("h2 .tag.s-resolved")).to_have_text("已办结")
    screenshot(inbox, "console-ticket.png")

    expect(resident.locator(".bubble.them", has_text="物业已安排电工")).to_be_visible()
    expect(resident.locator(".bubble.them", has_text="请为本次服务打分")).to_be_visible()
    resident.locator("input[name=text]").fill("5 很及时")
    resident.locator("input[name=text]").press("Enter")
    expect(resident.locator(".bubble.them", has_text="感谢")).to_be_visible()
    screenshot(sim, "console-simulator.png")

    inbox.goto("/console/dashboard")
    expect(inbox.locator("#kpi-total")).to_have_text("1")
    expect(inbox.locator("#kpi-closure")).to_have_text("100%")
    expect(inbox.locator("#kpi-satisfaction")).to_have_text("100%")
    inbox.wait_for_timeout(600)  # the charts' entry animation
    screenshot(inbox, "console-dashboard.png")


def test_a_grid_worker_is_refused_another_grids_ticket(new_page, live):
    reply = Chat(live.app.test_client(), DEMO_RESIDENT).send("小区门口垃圾堆了三天没人清理")
    number = NUMBER.search(reply).group(1)
    page = new_page("worker02")  # 王芳, grid 2; the ticket is in grid 1
    response = page.goto(f"/console/tickets/{number}")
    assert response.status == 404
    page.goto("/console/")
    expect(page.locator("#results")).not_to_contain_text(number)
    own = new_page("worker01")
    assert own.goto(f"/console/tickets/{number}").status == 200
