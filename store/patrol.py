"""巡查上报: a problem a staff member found on patrol (问题发现, the loop's first step), opened
as a ticket of channel "patrol" in their grid and handled by the finder. 即报即办 opens and
resolves it in one step, with at least one photo as evidence. No resident is told anything
(there is none); the dashboard counts these tickets per grid and per finder (主动发现数).

Pictures of the finding are on the "created" event (data.photo_ids); the evidence of a
resolution on the "resolved" event (data.photo_ids), as store.tickets.resolve records it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from store import photos, scope, tickets
from store.locate import LatLng, locate_point
from store.models import Area, Photo, Staff, Ticket
from store.sla import SlaPolicy
from store.tickets import TicketError

CHANNEL = "patrol"
KIND = "complaint"  # a problem found is filed as residents' problems are: 投诉 · its category


def patrol_grid(session: Session, staff: Staff, point: tuple[float, float] | None) -> Area:
    """The grid a finding belongs to: a grid worker's own grid; for anyone above a grid,
    the grid of their area where the phone's location lies."""
    if staff.area.level == "grid":
        return staff.area
    if point is not None:
        found = locate_point(session, LatLng(*point), nearest_within_m=0)
        if found.found and found.grid.id in scope.area_ids_under(session, staff.area_id):
            return found.grid
    raise TicketError("无法确定问题所在网格：请打开手机定位后在您负责的网格内上报")


def report(session: Session, staff: Staff, *, words: str, triage: tickets.Triage,
           now: datetime, policy: SlaPolicy = SlaPolicy(),
           point: tuple[float, float] | None = None, uploads: list[bytes] = (),
           media_ids: list[str] = (), resolve_note: str | None = None
           ) -> tuple[Ticket, list[Photo]]:
    """Open (and, with `resolve_note`, resolve at once: 即报即办) a patrol ticket. Returns it
    and its photos (pending ones wait for their download job)."""
    words = words.strip()
    if not words:
        raise TicketError("请描述发现的问题，例如：3栋门口井盖松动")
    if resolve_note is not None and not (uploads or media_ids):
        raise TicketError("即报即办需要上传至少一张现场照片作为办结凭证")
    ticket = tickets.open_ticket(session, resident=None, description=words, triage=triage,
                                 now=now, policy=policy, channel=CHANNEL,
                                 grid=patrol_grid(session, staff, point), point=point,
                                 found_by=staff)
    added = photos.attach(session, ticket.id, uploads=list(uploads),
                          media_ids=list(media_ids), now=now)
    if ticket.assignee is staff:  # the finder handles it: no clock waits on their accepting
        tickets.accept(session, ticket, staff, now)
        # nor on a reply: there is no resident to answer
        ticket.first_reply_at = ticket.first_reply_at or now
    ids = [photo.id for photo in added]
    if resolve_note is not None:
        tickets.resolve(session, ticket, staff, resolve_note.strip() or words, now,
                        evidence=ids)
    elif ids:
        created = ticket.events[0]
        created.data = {**created.data, "photo_ids": ids}
    session.flush()
    return ticket, added
