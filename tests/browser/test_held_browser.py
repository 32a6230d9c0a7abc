"""未受理留言 in a real browser: a resident's words the account could not place wait on the
console page until an agent opens them as a ticket."""
from playwright.sync_api import expect

PUZZLE = "这个怎么说呢"


def test_an_agent_opens_a_held_message_as_a_ticket(new_page, screenshot):
    agent = new_page("admin")
    sim = new_page(None)
    sim.context.add_cookies(agent.context.cookies())
    sim.goto("/console/simulator")
    resident = sim.locator("#resident-phone")
    resident.locator("input[name=text]").fill(PUZZLE)
    resident.locator("input[name=text]").press("Enter")
    expect(resident.locator(".bubble.them", has_text="会有人看到")).to_be_visible()

    agent.goto("/console/")
    expect(agent.locator("#held-badge")).to_have_text("1")
    agent.click("header >> text=未受理留言")
    row = agent.locator("#held-table tr[data-id]", has_text=PUZZLE)
    expect(row).to_contain_text("幸福里第1网格")
    row.locator("summary", has_text="转为工单").click()
    row.locator("select[name=kind]").select_option(label="投诉")
    row.locator("select[name=category]").select_option(label="噪音扰民")
    row.locator("textarea[name=description]").fill("居民反映楼下天天噪音扰民（原话：" + PUZZLE + "）")
    screenshot(agent, "console-held.png")
    row.locator("button", has_text="转为工单").click()

    expect(agent.locator(".flash")).to_contain_text("已转为工单")
    number = agent.locator("h2").inner_text().split()[1]
    expect(agent.locator("main")).to_contain_text("噪音扰民")
    expect(agent.locator("main")).to_contain_text("张伟")
    screenshot(agent, "console-held-ticket.png")

    agent.goto("/console/")
    expect(agent.locator("#results tr[data-id]", has_text=number)).to_be_visible()
    expect(agent.locator("#held-badge")).to_have_count(0)  # nothing waits any more
    expect(resident.locator(".bubble.them", has_text=f"工单号 {number}")).to_be_visible()
