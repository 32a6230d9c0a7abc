"""`griddesk wechat-check` and the 上线检查 page against the fake WeChat API."""
from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from bot.cli.main import main
from tests.fake_wechat import QuietHandler, real_wechat, web, wechat  # noqa: F401 (fixtures)

MENU = {"button": [{"type": "click", "name": "报事件", "key": "REPORT"},
                   {"type": "click", "name": "一键求助", "key": "SOS"}]}


@pytest.fixture
def check(real_wechat, settings, wechat, tmp_path):
    """Run `griddesk wechat-check` as an admin would, with the fake as WeChat."""
    def run(**changes):
        app = real_wechat(wechat_template_progress="TPL_PROGRESS", **changes)
        app_settings = app.extensions["griddesk"].settings
        env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
               "SECRET_KEY": "test", "GRIDDESK_INSTANCE": str(tmp_path),
               "WECHAT_APP_ID": app_settings.wechat_app_id, "WECHAT_APP_SECRET": "s",
               "WECHAT_API_BASE_URL": wechat.base_url,
               **{name.upper(): str(value) for name, value in changes.items()},
               "WECHAT_TEMPLATE_TICKET": changes.get("wechat_template_ticket", "TPL"),
               "WECHAT_TEMPLATE_PROGRESS": "TPL_PROGRESS"}
        result = CliRunner(env=env).invoke(main, ["wechat-check"], catch_exceptions=False)
        return result.exit_code, result.output
    return run


@pytest.fixture
def live(real_wechat, tmp_path):
    """GridDesk served on a port, as the account's public address; WeChat's domain check file
    (MP_verify_<code>.txt, downloaded from the platform) in its instance folder."""
    (tmp_path / "MP_verify_Ab12Cd34.txt").write_text("Ab12Cd34")
    server = make_server("127.0.0.1", 0, real_wechat(), threaded=True,
                         request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


def test_a_ready_account_passes_every_check(check, wechat, live):
    wechat.menu = MENU
    code, output = check(public_base_url=live)
    assert code == 0, output
    assert "✔ JS-SDK（jsapi_ticket）：可以获取" in output
    assert (f"✔ 手机页面链接（网页授权域名）：链接指向 {live}，域名校验文件 "
            f"MP_verify_Ab12Cd34.txt 可以访问") in output
    assert f"回调地址 {live}/wechat 签名校验通过" in output
    assert "✔ access_token：可以获取" in output
    assert "✔ 模板 工单通知（发给网格员等工作人员）：TPL：字段 character_string1、thing2、" \
           "thing3、time4、thing5 均已配置" in output
    assert "✔ 自定义菜单：已发布：报事件、一键求助" in output
    assert "✔ 服务器配置（Token / EncodingAESKey）：安全模式自检通过" in output
    assert output.rstrip().endswith("可以上线。")


def test_without_a_public_address_messages_carry_no_page_links(check, wechat):
    wechat.menu = MENU
    code, output = check()
    assert code == 1
    assert "✘ 手机页面链接（网页授权域名）：未设置 PUBLIC_BASE_URL：工作人员和居民收到的消息不带" \
           "链接" in output


def test_a_domain_check_file_the_public_address_does_not_serve_is_reported(check, wechat,
                                                                           tmp_path):
    wechat.menu = MENU
    (tmp_path / "MP_verify_Zz9.txt").write_text("Zz9")
    elsewhere = wechat.base_url.removesuffix("/cgi-bin/")  # a server that is not GridDesk
    code, output = check(public_base_url=elsewhere)
    assert code == 1
    assert (f"✘ 手机页面链接（网页授权域名）：{elsewhere}/MP_verify_Zz9.txt 没有返回域名校验"
            f"文件的内容（HTTP 200），微信将不接受域名 {elsewhere.removeprefix('http://')}"
            ) in output


def test_an_account_without_the_js_sdk_is_told_what_the_pages_lose(check, wechat, live):
    wechat.menu = MENU
    wechat.unauthorised.add("/cgi-bin/ticket/getticket")
    code, output = check(public_base_url=live)
    assert code == 1
    assert "✘ JS-SDK（jsapi_ticket）：公众号没有该接口权限（错误码 48001" in output
    assert "手机页面只能用浏览器自带的拍照和定位" in output


def test_a_server_outside_the_whitelist_is_named_by_its_address(check, wechat):
    wechat.menu = MENU
    wechat.client_ip = "198.51.100.23"
    code, output = check()
    assert code == 1
    assert "✘ access_token：IP 不在白名单：本服务器 IP 198.51.100.23 未加入公众号的 IP 白名单" \
        in output


def test_a_template_missing_from_the_account_is_reported(check, wechat):
    wechat.menu = MENU
    code, output = check(wechat_template_ticket="TPL_GONE")
    assert code == 1
    assert "WECHAT_TEMPLATE_TICKET=TPL_GONE 不在公众号的模板列表中" in output


def test_a_configured_key_the_template_lacks_is_reported(check, wechat):
    wechat.menu = MENU
    code, output = check(wechat_template_ticket_keys="character_string1:工单号,thing2:类型,"
                                                     "thing3:网格,time4:时限,thing9:下一步")
    assert code == 1
    assert "模板 TPL 没有字段 thing9" in output and "thing5" in output


def test_an_unpublished_menu_and_the_page_for_admins(web, demo, wechat):
    client = web.test_client()
    client.post("/console/login", data={"username": "admin", "password": "griddesk"})
    page = client.get("/console/wechat-check").get_data(as_text=True)
    assert "✘</td><td>自定义菜单</td><td>未发布：运行 griddesk menu-sync 发布" in page
    assert "未配置 WECHAT_TEMPLATE_PROGRESS" in page and "尚未就绪" in page
    worker = web.test_client()
    worker.post("/console/login", data={"username": "worker01", "password": "griddesk"})
    assert worker.get("/console/wechat-check").status_code == 403


def test_a_template_keys_setting_that_cannot_be_read_stops_the_start(monkeypatch):
    from bot.config import Settings
    for name, value in (("SECRET_KEY", "t"), ("DATABASE_URL", "sqlite://"),
                        ("REDIS_URL", "redis://127.0.0.1:1/0"),
                        ("WECHAT_TEMPLATE_TICKET_KEYS", "character_string1:工单号,thing2类型")):
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match="WECHAT_TEMPLATE_TICKET_KEYS: cannot read 'thing2类型'"):
        Settings.from_env()
