"""办服务 in a real browser: a community sets up a team and a member, the grid places a
resident's request with the teams it chooses, members serve it from WeChat, and the month's
hours show on the figures page and the dashboard."""
import re
from datetime import datetime, timedelta

from playwright.sync_api import expect

from store.vocab import CHINA
from tests.support import Chat

NUMBER = re.compile(r"工单号 (\d{10})")


def test_a_community_sets_up_a_team_and_its_member(new_page, screenshot, live):
    page = new_page("community001001")
    page.click("header >> text=办服务")
    expect(page.locator("#teams")).to_contain_text("区卫健局后盾单位")
    form = page.locator("#new-team")
    form.locator("input[name=code]").fill("T010")
    form.locator("input[name=name]").fill("幸福里青年志愿队")
    form.locator("select[name=kind]").select_option(label="志愿服务队")
    form.locator("button").click()
    expect(page.locator(".flash")).to_contain_text("已创建服务队 幸福里青年志愿队")
    adding = page.locator("#add-member")
    adding.locator("input[name=username]").fill("qn01")
    adding.locator("input[name=name]").fill("郭晓")
    adding.locator("input[name=phone]").fill("13700000101")
    adding.locator("input[name=leader]").check()
    adding.locator("button").click()
    expect(page.locator(".flash")).to_contain_text("已为郭晓创建队员账号 qn01")
    expect(page.locator("#members")).to_contain_text("郭晓")
    expect(page.locator("#members")).to_contain_text("未绑定")
    screenshot(page, "console-team.png")

    # The member's WeChat binding code comes from the account page, as for staff.
    page.click("#members >> text=qn01")
    page.click("text=生成微信绑定码")
    code = re.search(r"绑定码：(\d{10})", page.locator(".flash").inner_text()).group(1)
    reply = Chat(live.app.test_client(), "o_qn01").send(f"绑定 {code}")
    assert reply.startswith("绑定成功：郭晓（服务队员）")
    page.goto("/console/teams/T010")
    expect(page.locator("#members")).to_contain_text("已绑定")
    page.goto("/console/teams/")
    expect(page.locator("#teams")).to_contain_text("幸福里青年志愿队")
    screenshot(page, "console-teams.png")


def test_the_grid_places_an_order_and_the_months_hours_show(new_page, screenshot, live):
    client = live.app.test_client()
    number = NUMBER.search(Chat(client, "o_demo_resident").send(
        "我母亲腿脚不便，想请人帮忙代办医保报销手续")).group(1)

    page = new_page("worker01")
    page.goto(f"/console/services/{number}")
    place = page.locator("#place")
    place.locator("input[name=people]").fill("2")
    place.locator("input[name=hours]").fill("2")
    place.locator("label", has_text="区卫健局后盾单位").locator("input").check()
    place.locator("button").click()
    expect(page.locator(".flash")).to_contain_text("已发布，推送给 2 名服务队员")

    sun, qian = Chat(client, "o_member_03"), Chat(client, "o_member_04")
    assert sun.send(f"接单 {number}").startswith("接单成功")
    assert qian.send(f"接单 {number}").startswith("接单成功")
    for member in (sun, qian):
        assert member.send(f"签到 {number}").startswith("已签到")
    page.reload()
    expect(page.locator("#claims")).to_contain_text("孙红")
    expect(page.locator("#claims")).to_contain_text("钱程")
    screenshot(page, "console-service.png")
    assert qian.send(f"反馈 {number} 材料已递交医保中心").startswith("已反馈")
    assert "感谢" in Chat(client, "o_demo_resident").send("5")

    month = datetime.now(CHINA).strftime("%Y-%m")
    figures = new_page("community001001")
    figures.goto(f"/console/services/figures?month={month}")
    expect(figures.locator("#units")).to_contain_text("区卫健局后盾单位")
    expect(figures.locator("#below")).to_contain_text("周敏")
    expect(figures.locator("#kinds")).to_contain_text("代办服务")
    screenshot(figures, "console-service-figures.png")
    figures.goto("/console/dashboard")
    expect(figures.locator("#service-month")).to_be_visible()
    assert (datetime.now(CHINA) + timedelta(seconds=0)).strftime("%Y-%m") in \
        figures.locator("h3", has_text="办服务").inner_text()
