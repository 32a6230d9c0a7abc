"""GET /console/photos/<id>: a resident's stored picture, for those whose scope holds the
ticket (anyone else gets a 404, as for the ticket itself)."""
from __future__ import annotations

from flask import abort
from flask_login import login_required

from bot.console import bp, me
from bot.headers import inert_picture
from bot.services import services
from store import scope
from store.models import Photo, Ticket


@bp.get("/photos/<int:photo_id>")
@login_required
def photo(photo_id: int):
    with services().db.sessions() as session:
        staff = me(session)
        found = session.get(Photo, photo_id)
        ticket = session.get(Ticket, found.ticket_id) if found and found.ticket_id else None
        if (found is None or found.status != "stored" or ticket is None
                or not scope.can_see(session, staff, ticket)):
            abort(404)
        data, kind = found.data, found.content_type
    return inert_picture(data, kind)
