"""Who may see what: a staff member sees the tickets of their area and everything below it."""
from __future__ import annotations

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from store.models import AWAY_FROM_GRID, Area, HeldMessage, Staff, Ticket
from store.vocab import CONDUCT

SEES_EVERYTHING = ("admin", "district")


# session.info key: a page that asks for the same scope many times (the inbox: its page, its
# counts, its area and people choices) sets a dict here, and the tree is read once.
AREA_IDS = "area_ids_under"


def area_ids_under(session: Session, area_id: int) -> list[int]:
    cache = session.info.get(AREA_IDS)
    if cache is not None and area_id in cache:
        return list(cache[area_id])
    ids, frontier = [area_id], [area_id]
    while frontier:
        frontier = list(session.scalars(select(Area.id).where(Area.parent_id.in_(frontier))))
        ids.extend(frontier)
    if cache is not None:
        cache[area_id] = tuple(ids)
    return ids


def visible_tickets(session: Session, staff: Staff) -> Select:
    query = select(Ticket)
    if staff.role in SEES_EVERYTHING:
        return query
    if staff.role == "department":
        return query.where(Ticket.tier == "department", Ticket.department == staff.department)
    if staff.role == "member":  # a service team's volunteer: the orders sent to their team
        return query.where(false())  # (console.orders), no area's tickets
    ids = area_ids_under(session, staff.area_id)
    return query.where(or_(Ticket.grid_id.in_(ids), Ticket.area_id.in_(ids)),
                       *not_about_them(staff))


def not_about_them(staff: Staff) -> tuple:
    """A grid worker does not see a conduct complaint in their grid unless they hold it: it
    may be about them, and the resident who wrote it is named on it."""
    if staff.role != "grid_worker":
        return ()
    return (or_(Ticket.category != CONDUCT, Ticket.kind != "complaint",
                Ticket.assignee_id == staff.id),)


def visible_ticket_parts(session: Session, staff: Staff) -> list[Select]:
    """visible_tickets as disjoint queries whose rows together are exactly its rows, each
    narrow enough for an index of its own: the tickets of the scope's grids ((grid_id,
    status, …) serves a count by status without reading the table), and the scope's tickets
    held by an area outside them (a pool or an escalated ticket: area ≠ grid, a partial
    index of its own). For counts over millions of tickets, where the OR reads the table."""
    if staff.role in SEES_EVERYTHING or staff.role in ("department", "member"):
        return [visible_tickets(session, staff)]
    ids = area_ids_under(session, staff.area_id)
    in_grids = Ticket.grid_id.in_(ids)
    mine = not_about_them(staff)
    return [select(Ticket).where(in_grids, *mine),
            # AWAY_FROM_GRID follows from the rest (an area in the scope, a grid not), and
            # lets the planner use its partial index
            select(Ticket).where(Ticket.area_id.in_(ids), ~in_grids | Ticket.grid_id.is_(None),
                                 AWAY_FROM_GRID, *mine)]


def can_see(session: Session, staff: Staff, ticket: Ticket) -> bool:
    query = visible_tickets(session, staff).where(Ticket.id == ticket.id)
    return session.scalar(query) is not None


def visible_held(session: Session, staff: Staff) -> Select:
    """未受理留言 of residents in the staff member's area (no grid: the district's agents);
    departments get tickets, not raw messages, and service team members neither."""
    query = select(HeldMessage)
    if staff.role in SEES_EVERYTHING:
        return query
    if staff.role in ("department", "member"):
        return query.where(false())
    return query.where(HeldMessage.area_id.in_(area_ids_under(session, staff.area_id)))
