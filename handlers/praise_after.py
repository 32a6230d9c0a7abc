"""Praise for what was just done ("非常满意 谢谢你们", "张伟师傅人很好" after a rating): it joins
the ticket that closed, and its worker hears the words, instead of a second record that counts
as one more report and pushes a second 【表扬】 beside the 【好评】."""
from __future__ import annotations

from handlers.context import Context, Reply
from handlers.first_words import thanked_ticket
from handlers.replies import praises_someone_else
from store import notices, owners, tickets
from store.models import Ticket


def praised_ticket(ctx: Context, text: str) -> Ticket | None:
    """The resident's ticket closed in the last three days that the praise is for: not a
    praise record itself, and not when the words praise someone else by name."""
    ticket = thanked_ticket(ctx)
    if ticket is None or ticket.kind == "praise" or ticket.assignee is None:
        return None
    named = owners.staff_named(ctx.session, text)
    if named is not None and named is not ticket.assignee:
        return None
    if named is None and praises_someone_else(text, ticket.assignee):
        return None
    return ticket


def join_praise(ctx: Context, ticket: Ticket, text: str) -> Reply:
    tickets.record_event(ctx.session, ticket, "resident_message", ctx.now, actor="resident",
                         body=text, praise=True)
    tickets.notify_staff(ctx.session, ticket, ticket.assignee, "praise",
                         notices.praise(ticket, words=text), ctx.now)
    return Reply(f"感谢您的肯定！已转达给{owners.who(ticket.assignee)}（工单 {ticket.number}）。",
                 ticket_id=ticket.id)
