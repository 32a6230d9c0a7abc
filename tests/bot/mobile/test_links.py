"""The links messages carry to the phone pages, as WeChat's phones show them (the faked API)
and as `griddesk messages` prints them (the local transport)."""
from __future__ import annotations

from click.testing import CliRunner

from bot.cli.main import main
from tests.bot.mobile.test_wechat_web import open_in_wechat, path_of
from tests.bot.wechat.test_transport import WORKER, complain
from tests.fake_wechat import real_wechat, wechat  # noqa: F401  (fixtures)
from tests.support import Chat, run_worker

BASE = "https://grid.example.gov.cn"


def test_the_workers_template_opens_the_ticket_page_for_the_worker_only(real_wechat, demo,
                                                                        wechat):
    web = real_wechat(public_base_url=BASE + "/")
    ticket = complain(web, demo, "楼道灯坏了三天了，晚上太黑")
    run_worker(web)
    [shown] = wechat.phone(WORKER)
    assert shown.url.startswith(f"{BASE}/m/w/tickets/{ticket.number}?t=")
    wechat.browser_openid = WORKER
    page, _ = open_in_wechat(web.test_client(), shown.url)
    assert page.status_code == 200 and ticket.number in page.get_data(as_text=True)
    wechat.browser_openid = "o_someone_it_was_forwarded_to"
    refused, _ = open_in_wechat(web.test_client(), shown.url)
    assert refused.status_code == 403 and "发给别人" in refused.get_data(as_text=True)


def test_the_residents_text_ends_with_the_progress_link(real_wechat, demo, wechat):
    web = real_wechat(public_base_url=BASE)
    ticket = complain(web, demo, "楼道灯坏了三天了，晚上太黑")
    run_worker(web)
    zhang = Chat(web.test_client(), WORKER)
    assert zhang.send(f"接单 {ticket.number}").startswith("已接单")
    run_worker(web)
    [accepted] = wechat.phone(ticket.resident.openid)
    assert accepted.kind == "custom" and "接单，正在处理" in accepted.text
    words, link = accepted.text.rsplit("\n", 1)
    assert link.startswith(f'<a href="{BASE}/m/my/{ticket.number}?t=')
    assert link.endswith('">查看办理进度</a>')
    wechat.browser_openid = ticket.resident.openid
    url = link.split('"')[1]
    page, _ = open_in_wechat(web.test_client(), url)
    assert page.status_code == 200 and "处理中" in page.get_data(as_text=True)
    assert path_of(url).startswith("/m/my/")


def test_without_a_public_address_real_messages_carry_no_link(real_wechat, demo, wechat):
    web = real_wechat()  # PUBLIC_BASE_URL unset: a worker cannot know this server's address
    complain(web, demo, "楼道灯坏了三天了，晚上太黑")
    run_worker(web)
    [shown] = wechat.phone(WORKER)
    assert shown.url == ""


def test_griddesk_messages_prints_each_messages_link(app, settings, tmp_path, chat):
    number = chat.send("3栋楼道灯坏了三天了").split("工单号 ")[1][:10]
    Chat(app.test_client(), WORKER).send(f"接单 {number}")
    run_worker(app)
    env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "SECRET_KEY": "test", "GRIDDESK_INSTANCE": str(tmp_path)}
    output = CliRunner(env=env).invoke(main, ["messages"], catch_exceptions=False).output
    to_worker, to_resident = output.split(f"--- to {WORKER} (template)\n")[1].split("--- to ")[:2]
    assert f"链接：http://127.0.0.1:8000/m/w/tickets/{number}?t=" in to_worker
    assert "接单，正在处理" in to_resident and "<a href" not in to_resident
    assert f"链接：http://127.0.0.1:8000/m/my/{number}?t=" in to_resident
