"""Which phone page a message opens, and how the link travels with it.

A template message carries it as its `url`; a text (customer-service or passive reply) ends
with `<a href="...">label</a>`, which WeChat shows as a tappable link. Staff are sent to the
worker's ticket page, service team members to the order's page, residents to their ticket's
progress page; the link is made when the
message is sent, for the person it is sent to (bot.mobile.auth.page_link).
"""
from __future__ import annotations

import logging
import re
from html import unescape
from urllib.parse import urlsplit

from flask import has_request_context
from sqlalchemy import select
from werkzeug.routing import BuildError

from bot.mobile.auth import page_link
from bot.services import services
from handlers.replies import page_line

log = logging.getLogger(__name__)
STAFF_PAGE, RESIDENT_PAGE = "mobile.worker_ticket", "mobile.resident_ticket"
MEMBER_PAGE = "mobile.member_order"
LABELS = {STAFF_PAGE: "打开工单页面（接单、回复、办结）", RESIDENT_PAGE: "查看办理进度",
          MEMBER_PAGE: "打开服务单（接单、签到、反馈）"}
ANCHOR = re.compile(r'\n?<a href="([^"<>]+)">([^<>]+)</a>\s*$')


def page_or_none(openid: str, endpoint: str, **values) -> str | None:
    """page_link, or None where no link would work: in real WeChat a link made outside a
    request (the delivery worker) needs PUBLIC_BASE_URL; a page not (yet) built has none."""
    settings = services().settings
    if settings.uses_real_wechat and not settings.public_base_url and \
            not has_request_context():
        return None
    try:
        return page_link(openid, endpoint, **values)
    except BuildError:
        log.warning("no phone page %s to link to", endpoint)
        return None


def split_link(text: str) -> tuple[str, str | None, str | None]:
    """(the text without its link, the link, its label) — for showing a text elsewhere."""
    found = ANCHOR.search(text or "")
    if not found:
        return text, None, None
    return text[:found.start()], unescape(found.group(1)), unescape(found.group(2))


def message_page(row) -> tuple[str, str] | None:
    """The page an outbox row's message opens: staff notices (the ticket template) the
    worker's ticket page, anything else about a ticket the resident's progress page."""
    if not row.ticket_id:
        return None
    payload = row.payload or {}
    staff = payload.get("template", "progress" if "fields" not in payload else "ticket") \
        == "ticket"
    number = dict(payload.get("fields") or []).get("工单号") or _number(row.ticket_id)
    if not number:
        return None
    return STAFF_PAGE if staff else RESIDENT_PAGE, number


def linked(row) -> tuple[str, str | None]:
    """(an outbox row's text as a text message carries it, ending with its link; the link,
    made now for its recipient, for a template's url) — the link None where there is none."""
    text, page = row.payload.get("text", ""), message_page(row)
    if row.payload.get("order"):  # a service order, pushed to a team member
        url = page_or_none(row.to_openid, MEMBER_PAGE, number=row.payload["order"])
        return text + page_line(url, LABELS[MEMBER_PAGE]), url
    url = page_or_none(row.to_openid, page[0], number=page[1]) if page else None
    return text + page_line(url, LABELS[page[0]] if page else ""), url


def _number(ticket_id: int) -> str | None:
    from store.models import Ticket
    with services().db.sessions() as session:
        return session.scalar(select(Ticket.number).where(Ticket.id == ticket_id))


def local_path(url: str) -> str:
    """A link as the simulator's phones open it: on this server, whatever host it names."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
