"""The clock's check that every open ticket's owner can still be reached.

Owners are chosen reachable (store.owners, store.tickets.hand_to), but people change after:
a WeChat bound to another account, an account deactivated, a worker moved to another grid.
Each run finds open tickets whose owner no push reaches any more, hands each to the next
reachable person (the timeline says why) and reports those that reach nobody at all.
"""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from store import tickets
from store.models import Area, Staff, Ticket
from store.registry import OPEN_STATES


class Checked(NamedTuple):
    repaired: list[str]  # ticket numbers handed to a new owner
    unreachable: list[str]  # ticket numbers that reach nobody (no bound staff on the ladder)


def suspects(session: Session, limit: int) -> list[Ticket]:
    """Open tickets whose owner may be unreachable: none, inactive, unbound, or sitting in an
    area that does not hold the ticket (moved; covers() decides the rest)."""
    owner, grid = aliased(Staff), aliased(Area)
    # Where an owner may sit: the ticket's tier area, its grid or the grid's community (a
    # community's grid leader); a department's account holds its department's tickets.
    placed_well = or_(owner.role.in_(("district", "admin")), owner.area_id == Ticket.area_id,
                      owner.area_id == Ticket.grid_id, owner.area_id == grid.parent_id,
                      (owner.role == "department") & (Ticket.tier == "department")
                      & (owner.department == Ticket.department))
    query = (select(Ticket).outerjoin(owner, Ticket.assignee_id == owner.id)
             .outerjoin(grid, Ticket.grid_id == grid.id)
             .where(Ticket.status.in_(OPEN_STATES),
                    or_(owner.id.is_(None), owner.active.is_(False), owner.openid.is_(None),
                        ~func.coalesce(placed_well, False)))
             .options(selectinload(Ticket.assignee),
                      selectinload(Ticket.grid).selectinload(Area.parent)
                      .selectinload(Area.parent), selectinload(Ticket.resident))
             .order_by(Ticket.id).limit(limit))
    return [t for t in session.scalars(query) if not tickets.owner_reachable(t)]


def repair_unreachable_owners(session: Session, now: datetime, limit: int = 500) -> Checked:
    repaired, unreachable = [], []
    for ticket in suspects(session, limit):
        holder = tickets.rehome(session, ticket, now)
        (repaired if holder is not None else unreachable).append(ticket.number)
    session.flush()
    return Checked(repaired, unreachable)


def rehome_tickets_of(session: Session, staff: Staff, now: datetime) -> list[str]:
    """After a change to one person (unbound, deactivated, moved), their open tickets that no
    longer reach them go to the next reachable owner at once, not at the next check."""
    session.flush()
    held = session.scalars(select(Ticket).where(Ticket.assignee_id == staff.id,
                                                Ticket.status.in_(OPEN_STATES))
                           .order_by(Ticket.id))
    moved = [t for t in held if not tickets.owner_reachable(t)]
    for ticket in moved:
        tickets.rehome(session, ticket, now)
    return [t.number for t in moved]
