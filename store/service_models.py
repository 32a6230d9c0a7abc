"""The tables of 办服务 (issue 17): service teams, their members, service orders and the
members' claims with the hours they logged.

A service order always rides on a ticket (one matter, one number): the ticket carries the
resident, the place, the timeline, the SLA clocks, the escalation and the rating; the order
carries what the teams need (kind, people, duration, time) and the claims carry who went and
for how long. Members are staff accounts (role `member`, or any staff member who also serves
in a team) linked to teams by TeamMember, so they bind WeChat with the same one-time codes.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (Boolean, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.models import Area, Base, Staff, Ticket, utcnow

# 党员先锋队 / 志愿服务队 / 后盾单位 / 社会组织
TEAM_KINDS = {"party": "党员先锋队", "volunteer": "志愿服务队", "backing": "后盾单位",
              "social": "社会组织"}
ORDER_STATES = ("requested", "open", "full", "serving", "done", "cancelled")


class ServiceTeam(Base):
    """A service team, managed by the area it belongs to (a street or a community) and
    serving the areas of its coverage rows (that area itself, or some of its grids)."""

    __tablename__ = "service_team"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # TEAM_KINDS
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    area: Mapped[Area] = relationship()
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    coverage: Mapped[list[ServiceTeamArea]] = relationship(
        back_populates="team", cascade="all, delete-orphan")
    members: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan", order_by="TeamMember.id")


class ServiceTeamArea(Base):
    """One area a team serves: a grid, or a community / street (all its grids)."""

    __tablename__ = "service_team_area"
    team_id: Mapped[int] = mapped_column(ForeignKey("service_team.id"), primary_key=True)
    team: Mapped[ServiceTeam] = relationship(back_populates="coverage")
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True, index=True)
    area: Mapped[Area] = relationship()


class TeamMember(Base):
    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("team_id", "staff_id", name="uq_team_member"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("service_team.id"), index=True)
    team: Mapped[ServiceTeam] = relationship(back_populates="members")
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    staff: Mapped[Staff] = relationship()
    leader: Mapped[bool] = mapped_column(Boolean, default=False)  # 队长
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceOrder(Base):
    """服务需求: what, where (the ticket's place), when, how many people, how long."""

    __tablename__ = "service_order"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)
    ticket: Mapped[Ticket] = relationship()
    kind: Mapped[str] = mapped_column(String(16))  # store.vocab.SERVICE_KINDS
    status: Mapped[str] = mapped_column(String(16), default="requested")  # ORDER_STATES
    people_needed: Mapped[int] = mapped_column(Integer, default=1)
    minutes_expected: Mapped[int] = mapped_column(Integer, default=60)
    scheduled_at: Mapped[datetime | None]  # None: as soon as possible
    note: Mapped[str | None] = mapped_column(Text)  # the address, whom to ask for...
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    placed_by: Mapped[Staff | None] = relationship(foreign_keys=[placed_by_id])
    placed_at: Mapped[datetime | None]
    # The claim clock: not enough members by then lifts the ticket to the community.
    claim_by: Mapped[datetime | None]
    claim_breached_at: Mapped[datetime | None]
    full_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]  # the first check-in
    done_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reported_by: Mapped[Staff | None] = relationship(foreign_keys=[reported_by_id])
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claims: Mapped[list[ServiceClaim]] = relationship(
        back_populates="order", order_by="ServiceClaim.id", cascade="all, delete-orphan")
    publications: Mapped[list[ServicePublication]] = relationship(
        back_populates="order", cascade="all, delete-orphan")

    __table_args__ = (Index("ix_service_order_status_claim_by", "status", "claim_by"),)

    @property
    def active_claims(self) -> list[ServiceClaim]:
        return [c for c in self.claims if c.withdrawn_at is None]


class ServicePublication(Base):
    """A team an order was published to: its members may claim it."""

    __tablename__ = "service_publication"
    order_id: Mapped[int] = mapped_column(ForeignKey("service_order.id"), primary_key=True)
    order: Mapped[ServiceOrder] = relationship(back_populates="publications")
    team_id: Mapped[int] = mapped_column(ForeignKey("service_team.id"), primary_key=True,
                                         index=True)
    team: Mapped[ServiceTeam] = relationship()
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceClaim(Base):
    """One member taking an order (接单), and the visit: check-in, check-out, minutes."""

    __tablename__ = "service_claim"
    __table_args__ = (UniqueConstraint("order_id", "staff_id", name="uq_service_claim"),
                      Index("ix_service_claim_staff_in", "staff_id", "check_in_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("service_order.id"), index=True)
    order: Mapped[ServiceOrder] = relationship(back_populates="claims")
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    staff: Mapped[Staff] = relationship()
    team_id: Mapped[int] = mapped_column(ForeignKey("service_team.id"), index=True)
    team: Mapped[ServiceTeam] = relationship()
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    check_in_at: Mapped[datetime | None]
    check_in_lat: Mapped[float | None] = mapped_column(Float)
    check_in_lng: Mapped[float | None] = mapped_column(Float)
    check_out_at: Mapped[datetime | None]
    check_out_lat: Mapped[float | None] = mapped_column(Float)
    check_out_lng: Mapped[float | None] = mapped_column(Float)
    minutes: Mapped[int | None] = mapped_column(Integer)  # the hours logged, in minutes
