"""The WeChat edge: the callback URL (callback), the signed and encrypted protocol (protocol),
what one inbound message becomes (inbox, flood), the RQ jobs that deliver the outbox and run
the clocks (jobs), the outbound API client (transport, templates, errors) and the go-live
check (check)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from bot.wechat import callback
    callback.init_app(app)  # GET/POST /wechat
