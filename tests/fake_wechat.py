"""A fake of WeChat's HTTP API, shared by every test that sends to WeChat.

A real HTTP server on a loopback port: GridDesk's transport, wechatpy and requests all run
for real, and the access token is cached in the real Redis. Use the fixtures by importing
them into a test module: `from tests.fake_wechat import real_wechat, web, wechat  # noqa`.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from itertools import count as counter

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

OK = {"errcode": 0, "errmsg": "ok"}


@dataclass
class Call:
    path: str
    access_token: str | None
    body: dict


class FakeWeChat:
    """WeChat's HTTP API, as far as GridDesk uses it. Answers on demand with errcodes."""

    def __init__(self):
        self.lock = threading.Lock()
        self.token_fetches: list[dict] = []
        self.calls: list[Call] = []
        self.valid_tokens: set[str] = set()
        self.issued: list[str] = []
        self.next_answers: list[dict] = []  # for the next message calls, in order
        self.every_answer: dict | None = None  # for every message call
        self.token_delay = 0.0
        self._serial = counter(1)
        self._run = uuid.uuid4().hex[:8]  # tokens of another fake never look valid here

    # --- what a test arranges ---
    def answer_next(self, *answers: dict) -> None:
        self.next_answers.extend(answers)

    def revoke_tokens(self) -> None:
        """Every token issued so far stops working (someone else fetched a new one)."""
        self.valid_tokens.clear()

    # --- what a test reads ---
    def messages(self, kind: str | None = None) -> list[Call]:
        paths = {"template": "/cgi-bin/message/template/send",
                 "custom": "/cgi-bin/message/custom/send"}
        return [call for call in self.calls if kind is None or call.path == paths[kind]]

    # --- the API ---
    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            if request.method == "GET" and request.path == "/cgi-bin/token":
                answer, delay = self._token(request), self.token_delay
            elif request.method == "POST" and request.path in (
                    "/cgi-bin/message/custom/send", "/cgi-bin/message/template/send"):
                answer = self._message(request)
                delay = answer.pop("delay", 0)
            else:
                answer, delay = {"errcode": 404, "errmsg": "unknown api"}, 0
        time.sleep(delay)
        return Response(json.dumps(answer), mimetype="application/json")(environ,
                                                                          start_response)

    def _token(self, request) -> dict:
        self.token_fetches.append(dict(request.args))
        if (request.args.get("grant_type") != "client_credential"
                or not request.args.get("appid") or not request.args.get("secret")):
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        token = f"ACCESS_TOKEN_{self._run}_{next(self._serial)}"
        self.issued.append(token)
        self.valid_tokens.add(token)
        return {"access_token": token, "expires_in": 7200}

    def _message(self, request) -> dict:
        token = request.args.get("access_token")
        self.calls.append(Call(request.path, token, json.loads(request.get_data() or b"{}")))
        if token not in self.valid_tokens:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid "
                                                "or not latest"}
        if self.every_answer is not None:
            return dict(self.every_answer)
        if self.next_answers:
            return {**OK, **self.next_answers.pop(0)}
        if request.path.endswith("template/send"):
            return {**OK, "msgid": next(self._serial)}
        return dict(OK)


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture
def wechat():
    fake = FakeWeChat()
    server = make_server("127.0.0.1", 0, fake, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_port}/cgi-bin/"
    yield fake
    server.shutdown()
    thread.join(5)


@pytest.fixture
def real_wechat(app, make_app, wechat):
    """Build apps (processes) that talk to the fake WeChat; `app` has emptied the database.

    Redis is shared with other test runs and never flushed, so each test has an AppID of its
    own (wechatpy keys the cached token by AppID) and removes its keys after.
    """
    app_id = f"wx{uuid.uuid4().hex[:16]}"

    def build(**settings):
        return make_app(wechat_app_id=app_id, wechat_app_secret="s",
                        wechat_api_base_url=wechat.base_url, wechat_template_ticket="TPL",
                        **settings)
    yield build
    redis = app.extensions["griddesk"].redis
    for key in redis.scan_iter(f"griddesk:wechatpy:{app_id}_*"):
        redis.delete(key)


@pytest.fixture
def web(real_wechat):
    return real_wechat()
