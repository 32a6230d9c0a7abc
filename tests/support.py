"""Helpers that let a test read like a conversation with the official account."""
from __future__ import annotations

import functools
import itertools
import socket
import time
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.security import generate_password_hash

from bot.wechat.protocol import event_xml, open_reply, signed_request, text_message_xml

_msg_ids = itertools.count(int(time.time() * 1000))
_event_seconds = itertools.count()  # distinct CreateTimes: events dedupe on them


@functools.cache
def demo_password_hash() -> str:
    return generate_password_hash("griddesk")  # hashed once: it is slow on purpose


class Chat:
    """One WeChat user talking to the account through the real webhook."""

    def __init__(self, client, openid: str, *, encrypted: bool = True):
        self.client = client
        self.openid = openid
        self.encrypted = encrypted
        self.last_response = None

    @property
    def protocol(self):
        return self.client.application.extensions["wechat_protocol"]

    def post(self, xml: str):
        args, body = signed_request(self.protocol, xml, encrypted=self.encrypted,
                                    openid=self.openid, timestamp=str(int(time.time())),
                                    nonce=str(next(_msg_ids)))
        self.last_response = self.client.post(f"/wechat?{urlencode(args)}", data=body,
                                              content_type="text/xml")
        assert self.last_response.status_code == 200, self.last_response.get_data(True)
        return self.last_response

    def send(self, text: str, msg_id: int | None = None) -> str | None:
        """Send a text message; return the passive reply's text (None for `success`)."""
        xml = text_message_xml(self.openid, text, msg_id=msg_id or next(_msg_ids),
                               create_time=int(time.time()))
        return open_reply(self.protocol, self.post(xml).get_data(as_text=True))

    def event(self, event: str, key: str | None = None,
              create_time: int | None = None) -> str | None:
        xml = event_xml(self.openid, event, key,
                        create_time=create_time or int(time.time()) + next(_event_seconds))
        return open_reply(self.protocol, self.post(xml).get_data(as_text=True))

    def send_xml(self, xml: str) -> str | None:
        return open_reply(self.protocol, self.post(xml).get_data(as_text=True))


def run_worker(app) -> None:
    """Run a real RQ worker in burst mode until the queue is empty."""
    from rq import SimpleWorker
    svc = app.extensions["griddesk"]
    with app.app_context():
        SimpleWorker([svc.queue], connection=svc.redis).work(burst=True)


def count(svc, model, *where) -> int:
    with svc.db.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def rows(svc, model, *where, order_by=None) -> list:
    with svc.db.sessions() as session:
        # Relationships one level deep are loaded, so tests can read them after the session.
        query = (select(model).where(*where).options(selectinload("*"))
                 .order_by(order_by or model.id))
        return list(session.scalars(query))


def answers(port: int) -> bool:
    """Something listens on this loopback port."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, seconds: float = 20, step: float = 0.05) -> bool:
    """Poll until check() is true; a check that raises (a process still starting) is false."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except Exception:
            pass
        time.sleep(step)
    return False
