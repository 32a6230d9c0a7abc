"""Every message seen: what no handler turns into a ticket, an answer or a command is kept
for a person (未受理留言), and the resident is told a person will read it."""
from __future__ import annotations

import re

from handlers import replies
from handlers.context import POINT_FRESH_FOR, Context, Reply
from handlers.words import is_greeting, is_opener
from store import held

# The envelope of a WeChat message; everything else (PicUrl, MediaId, Url, Title, FileKey…)
# is what the resident sent and is kept.
ENVELOPE = {"ToUserName", "FromUserName", "CreateTime", "MsgType", "MsgId", "MsgDataId",
            "Idx", "Content", "Encrypt"}


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def attachment_of(msg) -> dict:
    data = getattr(msg, "_data", {}) or {}
    return {snake(k): v for k, v in data.items()
            if k not in ENVELOPE and isinstance(v, str) and v.strip()}


def guess_of(result) -> dict:
    """What the classifier made of the words, for the agent who reads them."""
    if result is None:
        return {}
    return {"kind": result.kind, "category": result.category,
            "department": result.department, "urgency": result.urgency}


def keep_for_person(ctx: Context, msg, *, text: str | None = None, result=None,
                    reply: str = replies.HELD, attachment: dict | None = None) -> Reply:
    """Hold the message for an agent and tell the resident so (staff are not residents:
    theirs get the answer only); `attachment`: what the agent should know besides what was
    sent (the question a follow-up continues)."""
    if ctx.staff is not None:
        return Reply(reply)
    msg_type = str(msg.type) if msg.type != "unknown" else str(msg._data.get("MsgType", "unknown"))
    held.hold(ctx.session, ctx.resident, ctx.now, msg_type=msg_type[:16], text=text,
              attachment={**attachment_of(msg), **(attachment or {})}, guess=guess_of(result))
    return Reply(reply)


def settle_openers(ctx: Context, answer: str) -> None:
    """The words after an opener were answered at once (a common question, the grid worker's
    contact, a ticket's progress): the opener no longer waits for a person."""
    if ctx.standing is not None and not ctx.standing.held_waiting:
        return
    held.answered_since(ctx.session, ctx.resident, ctx.now - POINT_FRESH_FOR, ctx.now,
                        note=f"居民随后的问题已自动答复：{answer[:40]}",
                        which=lambda h: bool(h.text) and (is_opener(h.text) or
                                                         is_greeting(h.text)))
