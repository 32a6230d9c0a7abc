"""收到 <code>: a grid worker acknowledges an emergency dispatch (急时直接调度) from WeChat."""
from __future__ import annotations

import re

from handlers.base import Handler
from handlers.commands import StaffCommand, next_step
from handlers.staff_words import alerted_instead, meant_by, on_the_way, todo_of
from handlers.context import Context, Reply
from store import command

ACK = re.compile(r"^\s*收到[\s:：]*(\d{4,8})?\s*[。.!！]?\s*$")


class Acknowledge(Handler):
    """Only for bound staff; a resident's 收到 is an ordinary message."""

    def matches(self, msg, ctx: Context) -> bool:
        return (msg.type == "text" and ACK.match(msg.content) is not None
                and ctx.staff is not None)

    def handle(self, msg, ctx: Context) -> Reply:
        code = ACK.match(msg.content).group(1)
        said = command.acknowledge(ctx.session, ctx.staff, code, ctx.now)
        if code is None and said == command.NO_DISPATCH:  # "收到" to a new ticket's push
            # to an emergency it is the answer the push asked for: taken (its clock is minutes)
            waiting = meant_by("接单", todo_of(ctx))
            if len(waiting) == 1 and waiting[0].urgency == "emergency":
                return StaffCommand.carry_out("接单", waiting[0], "", ctx)
            alerted = alerted_instead(ctx, waiting)
            if len(alerted) == 1:
                return on_the_way(ctx, alerted[0], msg.content.strip())
            said += "\n" + next_step(ctx).rstrip("\n")
        return Reply(said.rstrip("\n"))
