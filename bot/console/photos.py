"""GET /console/photos/<id>: a resident's stored picture, for those whose scope holds the
ticket, or (a picture no ticket took) the 未受理留言 it came with; anyone else gets a 404, as
for the ticket or the message itself."""
from __future__ import annotations

from flask import abort
from flask_login import login_required

from bot.console import bp, me
from bot.headers import inert_picture
from bot.services import services
from store import held, scope
from store.models import Photo, Ticket


@bp.get("/photos/<int:photo_id>")
@login_required
def photo(photo_id: int):
    with services().db.sessions() as session:
        staff = me(session)
        found = session.get(Photo, photo_id)
        if found is None or found.status != "stored" or not may_see(session, staff, found):
            abort(404)
        data, kind = found.data, found.content_type
    return inert_picture(data, kind)


def may_see(session, staff, photo: Photo) -> bool:
    if photo.ticket_id is not None:
        ticket = session.get(Ticket, photo.ticket_id)
        return ticket is not None and scope.can_see(session, staff, ticket)
    return held.holding(session, staff, photo) is not None
