"""The handler contract: does it match? handle it. Tried in order, first match wins."""
from __future__ import annotations

from handlers.context import Context, Reply


class Handler:
    def matches(self, msg, ctx: Context) -> bool:
        raise NotImplementedError

    def handle(self, msg, ctx: Context) -> Reply:
        raise NotImplementedError


class MessageType(Handler):
    """Matches messages of the given MsgTypes (and, for events, the given events)."""

    types: tuple[str, ...] = ()
    events: tuple[str, ...] = ()

    def matches(self, msg, ctx: Context) -> bool:
        if msg.type == "event":
            return msg.event in self.events
        return msg.type in self.types
