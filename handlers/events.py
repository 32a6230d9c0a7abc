"""Events: following the account, scanning a grid's QR code, menus and receipts."""
from __future__ import annotations

from handlers import replies
from handlers.base import MessageType
from handlers.context import Context, Reply
from store import command, outbox
from store.registry import area_by_code, pick_assignee

GRID_SCENE = "grid:"


def bind_to_scene(ctx: Context, scene: str | None) -> str | None:
    """Bind the resident to the grid a `grid:<code>` scene names; the reply, or None."""
    if not scene or not scene.startswith(GRID_SCENE):
        return None
    grid = area_by_code(ctx.session, scene[len(GRID_SCENE):].strip())
    if grid is None or grid.level != "grid":
        return replies.UNKNOWN_GRID
    ctx.resident.grid = grid
    worker = pick_assignee(ctx.session, grid)
    return replies.bound(grid.name, worker.name if worker else None)


class Subscribe(MessageType):
    events = ("subscribe", "subscribe_scan")

    def handle(self, msg, ctx: Context) -> Reply:
        ctx.resident.subscribed = True
        bound = bind_to_scene(ctx, getattr(msg, "scene_id", None))
        return Reply(replies.WELCOME + ("\n" + bound if bound else ""))


class Scan(MessageType):
    events = ("scan",)

    def handle(self, msg, ctx: Context) -> Reply:
        return Reply(bind_to_scene(ctx, msg.scene_id) or replies.GUIDE)


class Unsubscribe(MessageType):
    events = ("unsubscribe",)

    def handle(self, msg, ctx: Context) -> Reply:
        ctx.resident.subscribed = False
        outbox.mark_unreachable(ctx.session, ctx.openid, "unsubscribed")
        return Reply(None)


class MassSendFinished(MessageType):
    """WeChat's report of a notice's mass send: how many it sent, filtered and failed."""

    events = ("masssendjobfinish",)

    def handle(self, msg, ctx: Context) -> Reply:
        command.mass_finished(ctx.session, str(msg.id), result=msg.status or "",
                              total=msg.total_count, kept=msg.filter_count,
                              sent=msg.sent_count, errors=msg.error_count, now=ctx.now)
        return Reply(None)


class Silent(MessageType):
    """Receipts and background reports that need no answer."""

    events = ("templatesendjobfinish", "view",
              "subscribe_msg_popup_event", "subscribe_msg_change_event",
              "subscribe_msg_sent_event", "kf_create_session", "kf_close_session",
              "kf_switch_session")

    def handle(self, msg, ctx: Context) -> Reply:
        return Reply(None)
