"""The `griddesk` command line, run as a user would (against the test database)."""
import shlex
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from bot.cli.main import main
from bot.wechat.protocol import open_reply
from store.models import Area, Staff, Ticket

from tests.support import count, rows


@pytest.fixture
def griddesk(app, settings, tmp_path):
    env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "SECRET_KEY": "test", "GRIDDESK_INSTANCE": str(tmp_path)}
    runner = CliRunner(env=env)

    def run(*args, input=None, env=None):
        return runner.invoke(main, list(args), input=input, env=env, catch_exceptions=False)
    return run


def test_demo_data_loads_once(griddesk, svc):
    first = griddesk("demo-data")
    assert first.exit_code == 0 and "'areas': 19" in first.output
    assert count(svc, Area, Area.level == "grid") == 12
    assert count(svc, Staff, Staff.role == "grid_worker") == 12
    again = griddesk("demo-data")
    assert "'areas': 0, 'staff': 0" in again.output and count(svc, Area) == 19


def test_create_user_makes_an_account_that_can_log_in(griddesk, client, svc):
    griddesk("demo-data")
    result = griddesk("create-user", "liming", "--role", "street", "--area", "330199002",
                      "--password", "s3cret-pass", "--name", "李明")
    assert result.exit_code == 0 and "西溪街道" in result.output
    response = client.post("/console/login", data={"username": "liming",
                                                   "password": "s3cret-pass"})
    assert response.status_code == 302


def test_create_user_explains_what_is_wrong(griddesk):
    griddesk("demo-data")
    unknown = griddesk("create-user", "x", "--role", "admin", "--area", "000",
                       "--password", "long-enough")
    assert unknown.exit_code == 2 and "no area with code 000" in unknown.output
    short = griddesk("create-user", "x", "--role", "admin", "--area", "330199",
                     "--password", "short")
    assert short.exit_code == 2 and "at least 8 characters" in short.output
    taken = griddesk("create-user", "admin", "--role", "admin", "--area", "330199",
                     "--password", "long-enough")
    assert taken.exit_code == 2 and "already exists" in taken.output


@pytest.mark.parametrize("aes_key", [None, ""], ids=["safe-mode-account", "plain-mode-account"])
def test_sign_prints_a_request_the_webhook_accepts_in_the_configured_mode(
        griddesk, make_app, client, svc, aes_key):
    """The demo account has an EncodingAESKey, so `sign` encrypts; an account configured
    without one (WECHAT_ENCODING_AES_KEY=) is signed in plain mode."""
    griddesk("demo-data")
    env = None if aes_key is None else {"WECHAT_ENCODING_AES_KEY": aes_key}
    if aes_key is not None:
        client = make_app(wechat_encoding_aes_key=aes_key).test_client()
    result = griddesk("sign", "楼道灯坏了三天了", env=env)
    words = shlex.split(result.output)
    assert words[:4] == ["curl", "-s", "-X", "POST"]
    url, body = urlsplit(words[4]), words[words.index("--data-binary") + 1]
    assert url.path == "/wechat" and url.port == 8000
    assert ("msg_signature=" in url.query) == (aes_key is None)
    response = client.post(f"/wechat?{url.query}", data=body.encode())
    reply = open_reply(client.application.extensions["wechat_protocol"],
                       response.get_data(as_text=True))
    [ticket] = rows(svc, Ticket)
    assert reply.startswith(f"已受理，工单号 {ticket.number}，网格员张伟")


def test_sign_a_grid_qr_scan(griddesk, client, svc):
    griddesk("demo-data")
    words = shlex.split(griddesk("sign", "--openid", "o_new", "--event", "subscribe",
                                 "--key", "qrscene_grid:330199001002003").output)
    url, body = urlsplit(words[4]), words[words.index("--data-binary") + 1]
    reply = open_reply(client.application.extensions["wechat_protocol"],
                       client.post(f"/wechat?{url.query}", data=body.encode())
                       .get_data(as_text=True))
    assert "和平第3网格" in reply


def test_bind_code_lets_a_worker_bind_from_wechat(griddesk, client, svc):
    griddesk("demo-data")
    result = griddesk("bind-code", "worker05")
    assert result.exit_code == 0 and "陈静" in result.output
    code = result.output.split("绑定 ")[1].split()[0]
    from tests.support import Chat
    reply = Chat(client, "o_chenjing_phone").send(f"绑定 {code}")
    assert reply.startswith("绑定成功：陈静（网格员，和平第2网格）")
    assert griddesk("bind-code", "nobody").exit_code == 2


def test_menu_sync_without_credentials_shows_the_menu_and_says_why(griddesk):
    result = griddesk("menu-sync")
    assert result.exit_code == 1
    assert "一键求助" in result.output and "WECHAT_APP_SECRET is not set" in result.output
