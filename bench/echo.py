"""The floors: a minimal wechatpy bot that verifies, decrypts, parses and replies, and the same
bot made durable — it commits the raw message (one INSERT … ON CONFLICT DO NOTHING, one
commit) before it answers, the cheapest thing that can truthfully say "stored".

Served by gunicorn with GridDesk's own settings: `bench.echo:create_app()` and
`bench.echo:create_app(durable=True)` (DATABASE_URL: the same database GridDesk uses).
"""
from __future__ import annotations

import os
import threading

from flask import Flask, request
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot.config import DEMO_AES_KEY, DEMO_APP_ID, DEMO_TOKEN

TABLE = ("CREATE TABLE IF NOT EXISTS bench_raw (dedupe_key varchar(128) PRIMARY KEY, "
         "raw text NOT NULL)")
INSERT = "INSERT INTO bench_raw (dedupe_key, raw) VALUES ({0}, {0}) ON CONFLICT DO NOTHING"


class RawStore:
    """One DB-API connection per thread of a worker process (made after gunicorn forks, as
    GridDesk's pool does), autocommit: each INSERT is its own commit, and threads commit side
    by side."""

    def __init__(self, url: str):
        self.url, self.local = url, threading.local()

    def connect(self):
        if self.url.startswith("sqlite:///"):
            import sqlite3
            connection = sqlite3.connect(self.url.removeprefix("sqlite:///"),
                                         isolation_level=None, check_same_thread=False)
            self.insert = INSERT.format("?")
        else:
            import psycopg
            connection = psycopg.connect(self.url.replace("postgresql+psycopg://",
                                                          "postgresql://"), autocommit=True)
            self.insert = INSERT.format("%s")
        try:
            connection.execute(TABLE)
        except Exception:  # another process created it at the same moment
            if not self.url.startswith("sqlite:///"):
                connection.rollback()
        return connection

    def keep(self, dedupe_key: str, raw: str) -> None:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = self.connect()
        connection.execute(self.insert, (dedupe_key, raw))


def create_app(durable: bool = False) -> Flask:
    app = Flask(__name__)
    crypto = WeChatCrypto(DEMO_TOKEN, DEMO_AES_KEY, DEMO_APP_ID)
    store = RawStore(os.environ["DATABASE_URL"]) if durable else None

    @app.post("/wechat")
    def echo():
        args = request.args
        check_signature(DEMO_TOKEN, args["signature"], args["timestamp"], args["nonce"])
        xml = crypto.decrypt_message(request.get_data(), args["msg_signature"],
                                     args["timestamp"], args["nonce"])
        message = parse_message(xml)
        if store is not None:
            store.keep(f"{message.source}:{message.id}", xml)
        reply = TextReply(content=f"已收到：{message.content}", message=message).render()
        return crypto.encrypt_message(reply, args["nonce"], args["timestamp"])

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app
