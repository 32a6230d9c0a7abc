"""A resident's picture is ours: downloaded by the worker (MediaId through WeChat's media
API), kept in the database, shown only to those whose scope holds the ticket, and never
rendered as a link to a URL the resident's message carried."""
import io
import json
import threading

import pytest
from PIL import Image
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bot.wechat.transport import wechat_image_url
from store.models import Photo, Ticket

from tests.bot.console.test_console import login
from tests.support import Chat, rows, run_worker

EVIL = "http://127.0.0.1:9/tracker.png?who=agent"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "JPEG")
    return out.getvalue()


def image_xml(openid: str, media_id: str, pic_url: str, msg_id: int) -> str:
    return (f"<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[image]]>"
            f"</MsgType><PicUrl><![CDATA[{pic_url}]]></PicUrl><MediaId><![CDATA[{media_id}]]>"
            f"</MediaId><MsgId>{msg_id}</MsgId></xml>")


def test_a_picture_is_stored_by_the_worker_and_shown_only_in_scope(app, client, chat, svc,
                                                                    worker):
    number = chat.send("3栋楼道灯坏了").split("工单号 ")[1][:10]
    reply = chat.send_xml(image_xml(chat.openid, "sim-media-1", EVIL, 9001))
    assert f"已将图片加入工单 {number}" in reply
    [photo] = rows(svc, Photo)
    assert photo.status == "pending" and photo.data is None  # not in the webhook's 5 s
    worker()
    [photo] = rows(svc, Photo)
    assert photo.status == "stored" and photo.content_type == "image/png"
    assert photo.ticket_id == rows(svc, Ticket)[0].id

    login(client, "worker01")
    page = client.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert f"/console/photos/{photo.id}" in page
    assert "127.0.0.1:9" not in page and "tracker.png" not in page
    served = client.get(f"/console/photos/{photo.id}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data == photo.data and "sandbox" in served.headers["Content-Security-Policy"]
    other = app.test_client()
    login(other, "worker02")  # another grid's worker
    assert other.get(f"/console/photos/{photo.id}").status_code == 404


class FakeMedia:
    """WeChat's token and media/get, and a host that is not WeChat's (it must never be hit)."""

    def __init__(self):
        self.paths: list[str] = []

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.paths.append(request.full_path)
        if request.path == "/cgi-bin/token":
            answer = Response(json.dumps({"access_token": "T", "expires_in": 7200}))
        elif request.path == "/cgi-bin/media/get" and request.args.get("media_id") == "GOOD":
            answer = Response(jpeg(), mimetype="image/jpeg")
        elif request.path == "/cgi-bin/media/get":
            answer = Response(json.dumps({"errcode": 40007, "errmsg": "invalid media_id"}),
                              mimetype="application/json")
        elif request.path.startswith("/cgi-bin/"):
            answer = Response(json.dumps({"errcode": 0, "errmsg": "ok", "msgid": 1}))
        else:
            answer = Response(jpeg(), mimetype="image/jpeg")
        return answer(environ, start_response)


@pytest.fixture
def wechat_app(make_app, app, demo):
    fake = FakeMedia()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    port = server.server_port
    real = make_app(wechat_app_secret="secret",
                    wechat_api_base_url=f"http://127.0.0.1:{port}/cgi-bin/")
    yield real, fake, port
    server.shutdown()


def test_with_wechat_the_picture_comes_from_media_get_and_never_from_another_host(
        wechat_app, svc):
    real, fake, port = wechat_app
    chat = Chat(real.test_client(), "o_demo_resident")
    chat.send("3栋楼道灯坏了")
    chat.send_xml(image_xml(chat.openid, "GOOD", f"http://127.0.0.1:{port}/evil.jpg", 9101))
    chat.send_xml(image_xml(chat.openid, "EXPIRED", f"http://127.0.0.1:{port}/evil.jpg", 9102))
    run_worker(real)
    good, expired = rows(svc, Photo)
    assert good.status == "stored" and good.content_type == "image/jpeg"
    assert good.data == jpeg()
    assert expired.status == "failed" and "WeChat image host" in expired.error
    assert any(path.startswith("/cgi-bin/media/get?") and "media_id=GOOD" in path
               for path in fake.paths)
    assert not any(path.startswith("/evil.jpg") for path in fake.paths)


def test_only_wechats_own_image_hosts_are_trusted_for_a_pic_url():
    assert wechat_image_url("http://mmbiz.qpic.cn/mmbiz_jpg/abc/0")
    assert wechat_image_url("https://mmbiz.qpic.cn/x")
    for url in ("http://mmbiz.qpic.cn.evil.example/x", "javascript:alert(1)", "file:///etc/passwd",
                "http://127.0.0.1/x", "ftp://mmbiz.qpic.cn/x", "", None):
        assert not wechat_image_url(url), url


def test_a_picture_whose_job_was_lost_is_fetched_by_the_clock(app, chat, svc, worker):
    from datetime import timedelta

    from sqlalchemy import update

    from bot.wechat.jobs import fetch_pending_photos
    chat.send("3栋楼道灯坏了")
    chat.send_xml(image_xml(chat.openid, "sim-media-2", EVIL, 9201))
    svc.queue.empty()  # as if Redis had lost the job
    with svc.db.transaction() as session:
        session.execute(update(Photo).values(created_at=svc.now() - timedelta(minutes=20)))
    with app.app_context():
        assert fetch_pending_photos() == 1
    worker()
    assert rows(svc, Photo)[0].status == "stored"
