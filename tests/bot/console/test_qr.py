"""One entry per grid: QR posters (console and CLI), WeChat's permanent QR codes, and
binding a resident by scanning one through the real webhook."""
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image, ImageFont

from bot.console import qr
from bot.cli.main import main
from store.models import Area, Resident

from tests.support import Chat, rows

GRID = "330199001001001"


def login(client, username, password="griddesk"):
    assert client.post("/console/login", data={"username": username,
                                               "password": password}).status_code == 302


def decoded(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_a_grid_poster_is_an_a4_png_whose_qr_code_binds_to_the_grid(client, demo):
    login(client, "admin")
    response = client.get(f"/console/grids/{GRID}/poster.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    poster = Image.open(io.BytesIO(response.data))
    assert poster.size == qr.POSTER_SIZE == (1240, 1754)
    assert decoded(response.data) == [f"grid:{GRID}"]
    assert poster.text["Title"] == "幸福里第1网格 网格公示牌"
    # the grid's name is drawn in ink with a font that has Chinese glyphs (not empty boxes)
    font = ImageFont.truetype(poster.text["Font"], 80)
    assert len({bytes(font.getmask(char)) for char in "幸福里第网格"}) == 6
    name_band = poster.convert("L").crop((80, 270, 1160, 360))
    assert name_band.getextrema()[0] < 64
    qr_only = client.get(f"/console/grids/{GRID}/qr.png")
    assert decoded(qr_only.data) == [f"grid:{GRID}"]


def test_the_grid_list_and_posters_follow_the_staff_scope(client, demo):
    login(client, "worker01")  # the worker of the first grid only
    page = client.get("/console/grids/").get_data(as_text=True)
    assert GRID in page and "330199001001002" not in page
    assert client.get("/console/grids/330199001001002/poster.png").status_code == 404
    assert client.get("/console/grids/330199001001/poster.png").status_code == 404  # community
    assert client.get(f"/console/grids/{GRID}/poster.png").status_code == 200
    client.post("/console/logout")
    assert client.get(f"/console/grids/{GRID}/poster.png").status_code == 302  # login first


def test_a_missing_or_unfit_font_fails_with_a_clear_message(make_app, demo, tmp_path):
    with pytest.raises(qr.PosterError, match="POSTER_FONT=/nowhere.ttf is not a font file"):
        qr.find_font("/nowhere.ttf")
    junk = tmp_path / "junk.ttf"
    junk.write_text("not a font")
    with pytest.raises(qr.PosterError, match="is not a font Pillow can read"):
        qr.find_font(str(junk))
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if latin.exists():
        with pytest.raises(qr.PosterError, match="has no Chinese glyphs"):
            qr.find_font(str(latin))
    client = make_app(poster_font="/nowhere.ttf").test_client()
    login(client, "admin")
    response = client.get(f"/console/grids/{GRID}/poster.png")
    assert response.status_code == 503
    assert "POSTER_FONT=/nowhere.ttf is not a font file" in response.get_data(as_text=True)


@pytest.fixture
def griddesk(app, settings, tmp_path):
    env = {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "SECRET_KEY": "test", "GRIDDESK_INSTANCE": str(tmp_path)}
    runner = CliRunner(env=env)
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_the_posters_command_prints_one_png_per_grid(griddesk, demo, tmp_path):
    result = griddesk("registry", "posters", "--under", "330199001001", "--out",
                      str(tmp_path / "out"))
    assert result.exit_code == 0 and "3 poster(s) written" in result.output
    pngs = sorted((tmp_path / "out").glob("*.png"))
    assert [p.stem for p in pngs] == [f"33019900100100{n}" for n in (1, 2, 3)]
    assert decoded(pngs[1].read_bytes()) == ["grid:330199001001002"]
    assert griddesk("registry", "posters", "--under", "999", "--out",
                    str(tmp_path)).exit_code == 1


class FakeWeChat(BaseHTTPRequestHandler):
    """WeChat's API at the HTTP boundary: an access token and permanent QR codes."""

    created: list = []

    def do_GET(self):
        self.answer({"access_token": "fake-token", "expires_in": 7200})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeWeChat.created.append(body)
        scene = body["action_info"]["scene"]["scene_str"]
        self.answer({"ticket": f"ticket-{scene}", "expire_seconds": 0,
                     "url": f"http://weixin.qq.com/q/{scene.replace(':', '_')}"})

    def answer(self, data):
        payload = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def wechat_api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeWeChat)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeWeChat.created = []
    yield f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/"
    server.shutdown()
    server.server_close()


def test_with_credentials_the_poster_carries_wechats_permanent_qr_code(
        make_app, demo, svc, wechat_api):
    app = make_app(wechat_app_secret="secret", wechat_api_base_url=wechat_api,
                   wechat_app_id="wx_registry_test")
    # wechatpy fetches tokens from a fixed host whatever the base URL: give it one cached
    wechat = app.extensions["griddesk"].transport.client
    wechat.session.set(wechat.access_token_key, "fake-token", 600)
    client = app.test_client()
    login(client, "admin")
    first = client.get(f"/console/grids/{GRID}/poster.png")
    again = client.get(f"/console/grids/{GRID}/poster.png")
    assert decoded(first.data) == decoded(again.data) == [
        f"http://weixin.qq.com/q/grid_{GRID}"]
    assert FakeWeChat.created == [{"action_name": "QR_LIMIT_STR_SCENE", "action_info": {
        "scene": {"scene_str": f"grid:{GRID}"}}}]  # made once, then kept on the grid
    [grid] = rows(svc, Area, Area.code == GRID)
    assert grid.wechat_qr_url == f"http://weixin.qq.com/q/grid_{GRID}"


def test_scanning_a_grid_code_binds_and_rebinds_the_resident(client, demo, svc):
    someone = Chat(client, "o_new_neighbour")
    reply = someone.event("subscribe", f"qrscene_grid:{GRID}")
    assert "已为您绑定“幸福里第1网格”，网格员 张伟 为您服务" in reply
    [resident] = rows(svc, Resident, Resident.openid == "o_new_neighbour")
    assert resident.grid.code == GRID
    reply = someone.event("SCAN", "grid:330199002001002")  # moved house: scans another
    assert "已为您绑定“翠苑第2网格”" in reply
    [resident] = rows(svc, Resident, Resident.openid == "o_new_neighbour")
    assert resident.grid.code == "330199002001002"
    assert "没有找到这个网格" in someone.event("SCAN", "grid:330199009009009")
    [resident] = rows(svc, Resident, Resident.openid == "o_new_neighbour")
    assert resident.grid.code == "330199002001002"  # an unknown code changes nothing
