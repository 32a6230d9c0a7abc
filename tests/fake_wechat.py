"""A fake of WeChat's HTTP API that keeps WeChat's rules, shared by every test that sends.

A real HTTP server on a loopback port: GridDesk's transport, wechatpy and requests all run
for real, and the access token is cached in the real Redis. It enforces what a real account
would (tests/wechat_rules.py: reply windows and quotas, template display and value rules,
mass-send limits, error codes) and records what each phone shows, so a test asserts what a
person would read. It learns users' windows from the webhook traffic a test sends (every
tests.support.Chat post while the fixture is active), or from user_acted().

Use the fixtures by importing them: `from tests.fake_wechat import real_wechat, web, wechat`.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import count as counter
from urllib.parse import urlsplit

import pytest
import xmltodict
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from tests import wechat_rules as rules
from tests.support import Chat

OK = {"errcode": 0, "errmsg": "ok"}
TICKET_TEMPLATE = ("工单编号{{character_string1.DATA}}\n工单类型{{thing2.DATA}}\n"
                   "所在网格{{thing3.DATA}}\n处理时限{{time4.DATA}}\n办理提示{{thing5.DATA}}")
PROGRESS_TEMPLATE = ("工单编号{{character_string1.DATA}}\n处理进度{{phrase2.DATA}}\n"
                     "进度说明{{thing3.DATA}}\n温馨提示{{thing4.DATA}}")
LEGACY_TEMPLATE = ("{{first.DATA}}\n工单号：{{keyword1.DATA}}\n类型：{{keyword2.DATA}}\n"
                   "内容：{{keyword3.DATA}}\n{{remark.DATA}}")
SEND_PATHS = {"template": "/cgi-bin/message/template/send",
              "custom": "/cgi-bin/message/custom/send",
              "mass": "/cgi-bin/message/mass/send"}


@dataclass
class Call:
    path: str
    access_token: str | None
    body: dict


@dataclass
class Shown:
    """One message as the phone displays it."""

    kind: str  # custom / template / mass
    text: str = ""  # a text message
    lines: list[tuple[str, str]] = field(default_factory=list)  # a template: (label, value)
    url: str = ""


def now() -> datetime:
    return datetime.now(timezone.utc)


class FakeWeChat:
    """WeChat's HTTP API, as far as GridDesk uses it, keeping WeChat's rules."""

    def __init__(self):
        self.lock = threading.Lock()
        self.token_fetches: list[dict] = []
        self.calls: list[Call] = []
        self.valid_tokens: set[str] = set()
        self.issued: list[str] = []
        self.next_answers: list[dict] = []  # for the next message calls, in order
        self.every_answer: dict | None = None  # for every message call
        self.token_delay = 0.0
        self.templates: dict[str, str] = {}  # template id → content ("标签{{key.DATA}}")
        self.windows = rules.Windows()
        self.unfollowed: set[str] = set()
        self.invalid_openids: set[str] = set()
        self.unauthorised: set[str] = set()  # API paths this account may not call (48001)
        self.client_ip: str | None = None  # set: not in the IP whitelist (40164)
        self.menu: dict | None = None
        self.phones: dict[str, list[Shown]] = {}
        self.mass_jobs: list[dict] = []
        self.mass_received: dict[tuple[str, str], int] = {}  # (openid, month) → count
        self.ticket_fetches = 0  # ticket/getticket calls that issued a jsapi_ticket
        self.jsapi_tickets: set[str] = set()
        # OAuth2 web authorization: who is using the phone's WeChat (the authorize page
        # signs them in silently), the codes issued (code → openid, issued at) and the
        # domain the account configured as its 网页授权域名 (None: any).
        self.browser_openid: str | None = None
        self.oauth_codes: dict[str, tuple[str, float]] = {}
        self.oauth_domain: str | None = None
        self.app_secret = "s"
        self._serial = counter(1)
        self._run = uuid.uuid4().hex[:8]  # tokens of another fake never look valid here
        # the template ids the real_wechat fixture configures
        self.add_template("TPL", TICKET_TEMPLATE)
        self.add_template("TPL_PROGRESS", PROGRESS_TEMPLATE)

    # --- what a test arranges ---
    def answer_next(self, *answers: dict) -> None:
        self.next_answers.extend(answers)

    def revoke_tokens(self) -> None:
        """Every token issued so far stops working (someone else fetched a new one)."""
        self.valid_tokens.clear()

    def add_template(self, template_id: str, content: str) -> None:
        self.templates[template_id] = content

    def user_acted(self, openid: str, kind: str = "message") -> None:
        """The user wrote (message) or clicked, followed or scanned (event) just now."""
        self.windows.user_acted(openid, kind, now())

    def saw_callback(self, xml: str) -> None:
        """What the user did, from a callback WeChat posted to the account."""
        data = xmltodict.parse(xml)["xml"]
        openid, event = data.get("FromUserName"), (data.get("Event") or "").lower()
        if data.get("MsgType") != "event":
            self.user_acted(openid, "message")
        elif event in ("subscribe", "scan", "click", "scancode_push", "scancode_waitmsg"):
            self.unfollowed.discard(openid)
            self.user_acted(openid, "event")
        elif event == "unsubscribe":
            self.unfollowed.add(openid)

    # --- what a test reads ---
    def messages(self, kind: str | None = None) -> list[Call]:
        return [call for call in self.calls if kind is None or call.path == SEND_PATHS[kind]]

    def phone(self, openid: str) -> list[Shown]:
        return self.phones.get(openid, [])

    # --- the API ---
    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            answer, delay = self.answer(request)
        time.sleep(delay)
        if isinstance(answer, Response):
            return answer(environ, start_response)
        return Response(json.dumps(answer), mimetype="application/json")(environ,
                                                                          start_response)

    def answer(self, request) -> tuple[dict | Response, float]:
        """WeChat's answer to one request, and how long it takes to give it (under lock)."""
        if request.path == "/connect/oauth2/authorize":
            return self._authorize(request), 0
        if request.path == "/sns/oauth2/access_token":
            return self._oauth_token(request), 0
        if request.method == "GET" and request.path == "/cgi-bin/ticket/getticket":
            return self._ticket(request), 0
        routes = {"/cgi-bin/message/custom/send": self._custom,
                  "/cgi-bin/message/template/send": self._template,
                  "/cgi-bin/message/mass/send": self._mass,
                  "/cgi-bin/template/get_all_private_template": self._template_list,
                  "/cgi-bin/get_current_selfmenu_info": self._menu}
        if request.method == "GET" and request.path == "/cgi-bin/token":
            return self._token(request), self.token_delay
        if request.path in routes:
            answer = self._api(request, routes[request.path])
            return answer, answer.pop("delay", 0)
        return {"errcode": 404, "errmsg": "unknown api"}, 0

    def _ticket(self, request) -> dict:
        """ticket/getticket (not a message call: next_answers are not spent on it)."""
        self.calls.append(Call(request.path, request.args.get("access_token"), {}))
        if self.client_ip:
            return self._not_whitelisted()
        if request.args.get("access_token") not in self.valid_tokens:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid "
                                                "or not latest"}
        if request.path in self.unauthorised:
            return {"errcode": 48001, "errmsg": "api unauthorized rid: 1-2-3"}
        if request.args.get("type") != "jsapi":
            return {"errcode": 40097, "errmsg": "invalid args"}
        self.ticket_fetches += 1
        ticket = f"JSAPI_TICKET_{self._run}_{next(self._serial)}"
        self.jsapi_tickets.add(ticket)
        return {**OK, "ticket": ticket, "expires_in": 7200}

    def _authorize(self, request) -> Response:
        """open.weixin.qq.com's authorization page, in WeChat's browser: for snsapi_base it
        asks nothing and redirects at once to redirect_uri with a code and the state."""
        args = request.args
        redirect_uri = args.get("redirect_uri", "")
        if (args.get("response_type") != "code" or args.get("scope") != "snsapi_base"
                or not args.get("appid")):
            return Response("参数错误", status=400)
        if self.oauth_domain and urlsplit(redirect_uri).netloc != self.oauth_domain:
            return Response("redirect_uri 参数错误", status=400)  # 10003 on WeChat's page
        if self.browser_openid is None:
            return Response("请在微信客户端打开链接", status=400)
        code = f"CODE_{uuid.uuid4().hex[:12]}"
        self.oauth_codes[code] = (self.browser_openid, time.time())
        joiner = "&" if "?" in redirect_uri else "?"
        return Response(status=302, headers={"Location": f"{redirect_uri}{joiner}code={code}"
                                                         f"&state={args.get('state', '')}"})

    def _oauth_token(self, request) -> dict:
        """sns/oauth2/access_token: a code is good once, for 5 minutes (40029 otherwise)."""
        args = request.args
        if args.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if args.get("secret") != self.app_secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        issued = self.oauth_codes.pop(args.get("code", ""), None)
        if issued is None or time.time() - issued[1] > 300:
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {"access_token": f"OAUTH_{uuid.uuid4().hex[:8]}", "expires_in": 7200,
                "refresh_token": "REFRESH", "openid": issued[0], "scope": "snsapi_base"}

    def _not_whitelisted(self) -> dict:
        return {"errcode": 40164, "errmsg": f"invalid ip {self.client_ip} ipv6 ::ffff:"
                                            f"{self.client_ip}, not in whitelist rid: 1-2-3"}

    def _token(self, request) -> dict:
        self.token_fetches.append(dict(request.args))
        if (request.args.get("grant_type") != "client_credential"
                or not request.args.get("appid") or not request.args.get("secret")):
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if self.client_ip:
            return self._not_whitelisted()
        token = f"ACCESS_TOKEN_{self._run}_{next(self._serial)}"
        self.issued.append(token)
        self.valid_tokens.add(token)
        return {"access_token": token, "expires_in": 7200}

    def _api(self, request, handle) -> dict:
        token = request.args.get("access_token")
        body = json.loads(request.get_data() or b"{}")
        self.calls.append(Call(request.path, token, body))
        if self.client_ip:
            return self._not_whitelisted()
        if token not in self.valid_tokens:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid "
                                                "or not latest"}
        if request.path in self.unauthorised:
            return {"errcode": 48001, "errmsg": "api unauthorized rid: 1-2-3"}
        if self.every_answer is not None:
            return dict(self.every_answer)
        if self.next_answers:
            return {**OK, **self.next_answers.pop(0)}
        return handle(body)

    def _reachable(self, openid: str) -> dict | None:
        if openid in self.invalid_openids:
            return {"errcode": 40003, "errmsg": "invalid openid"}
        if openid in self.unfollowed:
            return {"errcode": 43004, "errmsg": "require subscribe"}
        return None

    def _custom(self, body: dict) -> dict:
        openid = body.get("touser", "")
        refusal = self._reachable(openid)
        if refusal:
            return refusal
        errcode = self.windows.take(openid, now())
        if errcode == 45015:
            return {"errcode": 45015, "errmsg": "response out of time limit or subscription "
                                                "is canceled"}
        if errcode == 45047:
            return {"errcode": 45047, "errmsg": "out of response count limit"}
        self.phones.setdefault(openid, []).append(
            Shown("custom", text=body.get("text", {}).get("content", "")))
        return dict(OK)

    def _template(self, body: dict) -> dict:
        openid, content = body.get("touser", ""), self.templates.get(body.get("template_id"))
        if content is None:
            return {"errcode": 40037, "errmsg": "invalid template_id"}
        refusal = self._reachable(openid)
        if refusal:
            return refusal
        data = body.get("data") or {}
        lines = []
        for label, key in rules.template_keys(content):
            value = str((data.get(key) or {}).get("value", ""))
            if rules.refused_value(key, value):
                return {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value "
                                                    f"invalid rid: 1-2-3"}
            shown = rules.shown_value(key, value)
            if shown is not None:
                lines.append((label, shown))
        self.phones.setdefault(openid, []).append(
            Shown("template", lines=lines, url=body.get("url", "")))
        return {**OK, "msgid": next(self._serial)}

    def _mass(self, body: dict) -> dict:
        openids = body.get("touser") or []
        if not rules.MASS_MIN <= len(openids) <= rules.MASS_MAX:
            return {"errcode": 40130, "errmsg": "invalid openid list size, at least two "
                                                "openid"}
        client_msg_id = body.get("clientmsgid")
        for job in self.mass_jobs:
            if client_msg_id and job["clientmsgid"] == client_msg_id:
                return {"errcode": 45065, "errmsg": "clientmsgid exist",
                        "msg_id": job["msg_id"]}
        month, sent, filtered = rules.china_month(now()), 0, 0
        for openid in openids:
            received = self.mass_received.get((openid, month), 0)
            if openid in self.unfollowed or received >= rules.MASS_PER_MONTH:
                filtered += 1
                continue
            self.mass_received[(openid, month)] = received + 1
            self.phones.setdefault(openid, []).append(
                Shown("mass", text=body.get("text", {}).get("content", "")))
            sent += 1
        msg_id = 1000000000 + next(self._serial)
        self.mass_jobs.append({"msg_id": msg_id, "clientmsgid": client_msg_id,
                               "total": len(openids), "filter": len(openids) - filtered,
                               "sent": sent, "error": 0, "reported": False})
        return {"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id,
                "msg_data_id": msg_id}

    def finish_mass_jobs(self, app) -> int:
        """WeChat posts MASSSENDJOBFINISH for each finished job to the account's callback."""
        jobs = [job for job in self.mass_jobs if not job["reported"]]
        for job in jobs:
            job["reported"] = True
            Chat(app.test_client(), "o_wechat_mass_sender").send_xml(
                f"<xml><ToUserName><![CDATA[gh_griddesk]]></ToUserName>"
                f"<FromUserName><![CDATA[o_wechat_mass_sender]]></FromUserName>"
                f"<CreateTime>{int(time.time())}</CreateTime>"
                f"<MsgType><![CDATA[event]]></MsgType>"
                f"<Event><![CDATA[MASSSENDJOBFINISH]]></Event><MsgID>{job['msg_id']}</MsgID>"
                f"<Status><![CDATA[send success]]></Status>"
                f"<TotalCount>{job['total']}</TotalCount><FilterCount>{job['filter']}"
                f"</FilterCount><SentCount>{job['sent']}</SentCount>"
                f"<ErrorCount>{job['error']}</ErrorCount></xml>")
        return len(jobs)

    def _template_list(self, body: dict) -> dict:
        return {"template_list": [
            {"template_id": template_id, "title": "", "primary_industry": "政府与公共",
             "deputy_industry": "政务民生", "content": content, "example": ""}
            for template_id, content in self.templates.items()]}

    def _menu(self, body: dict) -> dict:
        if self.menu is None:
            return {"is_menu_open": 0}
        return {"is_menu_open": 1, "selfmenu_info": self.menu}


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture
def wechat(monkeypatch):
    fake = FakeWeChat()
    server = make_server("127.0.0.1", 0, fake, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_port}/cgi-bin/"
    post = Chat.post

    def seen_by_wechat(chat, xml):  # every user action a test sends passes through WeChat
        fake.saw_callback(xml)
        return post(chat, xml)
    monkeypatch.setattr(Chat, "post", seen_by_wechat)
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
        return make_app(**{"wechat_app_id": app_id, "wechat_app_secret": wechat.app_secret,
                           "wechat_api_base_url": wechat.base_url,
                           "wechat_oauth_base_url": wechat.base_url.replace("/cgi-bin/",
                                                                            "/connect/"),
                           "wechat_template_ticket": "TPL", **settings})
    yield build
    redis = app.extensions["griddesk"].redis
    for key in redis.scan_iter(f"griddesk:*{app_id}*"):
        redis.delete(key)


@pytest.fixture
def web(real_wechat):
    return real_wechat()


def no_blank_lines(shown: Shown) -> bool:
    return all(value.strip() for _, value in shown.lines)


