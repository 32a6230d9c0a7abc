"""A service team member's phone in a real browser (a cheap Android's viewport, zh-CN): the
push of a new order opens its page; the member takes it, checks in where the phone is, and
reports with a camera photo. Screenshots go to artifacts/."""
from __future__ import annotations

from playwright.sync_api import expect

from store.demo import DEMO_RESIDENT
from store.models import LocalDelivery, Ticket
from store.service_models import ServiceClaim, ServiceOrder
from tests.browser.conftest import wait_until
from tests.browser.test_mobile_worker_browser import (IN_GRID_1, camera_photo, local,  # noqa: F401
                                                      phone)
from tests.support import Chat, rows

SUN = "o_member_03"  # 孙红 of 区卫健局后盾单位, which serves 幸福里第1网格


def test_a_member_takes_and_serves_an_order_on_the_phone(phone, live, screenshot, tmp_path):
    svc = live.app.extensions["griddesk"]
    Chat(live.app.test_client(), DEMO_RESIDENT).send("我母亲腿脚不便，想请人帮忙代办医保报销手续，能帮忙吗")
    [ticket] = rows(svc, Ticket)
    Chat(live.app.test_client(), "o_worker_01").send(
        f"下单 {ticket.number} 1人 2小时 幸福小区1栋201 王阿姨")
    pushed = []
    wait_until(lambda: pushed.extend(d for d in rows(svc, LocalDelivery,
                                                     LocalDelivery.to_openid == SUN)
                                     if d.payload.get("url")) or pushed)
    page = phone(geolocation=IN_GRID_1, permissions=["geolocation"])
    page.goto(local(pushed[0].payload["url"]))
    expect(page.locator("h1")).to_have_text("代办服务")
    expect(page.locator("#summary")).not_to_contain_text("幸福小区1栋201")  # not before taking it
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scroll
    screenshot(page, "mobile-member-order.png")

    page.click("#claim")
    expect(page.locator(".flash")).to_contain_text("接单成功")
    expect(page.locator("#summary")).to_contain_text("幸福小区1栋201")
    expect(page.locator("#actions .where").first).to_contain_text("已定位：纬度 30.274870")
    page.click("#check-in")
    expect(page.locator(".flash")).to_contain_text("已签到，已记录位置")

    page.fill("#report textarea", "已陪同王阿姨递交医保报销材料")
    page.set_input_files("#report input[type=file]", camera_photo(tmp_path / "visit.jpg"))
    page.click("#report button:not([type=button])")
    expect(page.locator(".flash")).to_contain_text("已反馈（1 张照片）")
    expect(page.locator("#status")).to_have_text("已完成")
    screenshot(page, "mobile-member-reported.png")
    [claim] = rows(svc, ServiceClaim)
    [order] = rows(svc, ServiceOrder)
    assert (round(claim.check_in_lat, 4), order.status) == (30.2726, "done")
