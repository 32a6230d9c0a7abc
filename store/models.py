"""The tables of GridDesk. Times are timezone-aware UTC in Python, stored as UTC."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (JSON, Boolean, Computed, DateTime, Float, ForeignKey, Index, Integer,
                        LargeBinary, String, Text, TypeDecorator, UniqueConstraint, or_)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

AREA_LEVELS = ("district", "street", "community", "grid")
STAFF_ROLES = ("admin", "district", "street", "community", "grid_leader", "grid_worker",
               "department", "member")  # member: of a service team only (store.service_models)
TICKET_STATES = ("new", "assigned", "accepted", "resolved", "closed", "reopened", "cancelled")


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


class Area(Base):
    """A node of the area tree: district → street → community → grid, each with a code."""

    __tablename__ = "area"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="base")  # grids: base / special
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    parent: Mapped[Area | None] = relationship(remote_side=[id])
    households: Mapped[int | None] = mapped_column(Integer)
    # Grids: the boundary as a GeoJSON geometry (Polygon / MultiPolygon, lng-lat in the same
    # system as WeChat's locations), its bounding box for a fast prefilter, and its centre.
    # Deferred: a polygon can be large, and only locating by point and export read it.
    geometry: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    min_lng: Mapped[float | None] = mapped_column(Float)
    min_lat: Mapped[float | None] = mapped_column(Float)
    max_lng: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    center_lng: Mapped[float | None] = mapped_column(Float)
    center_lat: Mapped[float | None] = mapped_column(Float)
    # The permanent parametric QR code WeChat made for this grid (scene grid:<code>).
    wechat_qr_url: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (Index("ix_area_level_bbox", "level", "min_lat", "max_lat"),
                      Index("ix_area_center", "center_lat", "center_lng"))

    def ancestors(self) -> list[Area]:
        """This area and every area above it, nearest first."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("bind_code", name="uq_staff_bind_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(16))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    area: Mapped[Area] = relationship()
    department: Mapped[str | None] = mapped_column(String(32))  # for role=department
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    # 值班 hours, China time, "08:00-20:00" (overnight "20:00-08:00"); None: all day.
    duty_hours: Mapped[str | None] = mapped_column(String(11))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # One-time code from the console; the staff member sends "绑定 <code>" from WeChat.
    bind_code: Mapped[str | None] = mapped_column(String(16))
    bind_code_expires_at: Mapped[datetime | None]
    bind_code_failures: Mapped[int] = mapped_column(Integer, default=0)  # wrong tries so far
    # Raised by logout, a password change or reset and deactivation: every console session
    # carries the version it was made under and dies when it no longer matches.
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Resident(Base):
    __tablename__ = "resident"
    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    grid: Mapped[Area | None] = relationship()
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    # WeChat allows customer-service messages only within 48 h of the last inbound message.
    last_inbound_at: Mapped[datetime | None]
    # What the conversation is waiting for, e.g. {"awaiting": "rating", "ticket": "2611230001"}.
    state: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundMessage(Base):
    """Every message WeChat delivered, stored raw before anything else can fail."""

    __tablename__ = "inbound_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    # MsgId, or FromUserName+CreateTime for events: WeChat's retries share it.
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    openid: Mapped[str | None] = mapped_column(String(64), index=True)
    msg_type: Mapped[str | None] = mapped_column(String(32))
    raw: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="received")
    reply: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))


DUE_NOW = ("CASE WHEN status IN ('new', 'assigned', 'reopened') THEN accept_by"
           " ELSE resolve_by END")


class Ticket(Base):
    __tablename__ = "ticket"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    # indexed by (resident_id, created_at), (grid_id, created_at), (area_id, created_at) below
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    resident: Mapped[Resident | None] = relationship()
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    grid: Mapped[Area | None] = relationship(foreign_keys=[grid_id])
    # The area whose tier currently holds the ticket (the grid at first, higher after escalation).
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    area: Mapped[Area] = relationship(foreign_keys=[area_id])
    tier: Mapped[str] = mapped_column(String(16), default="grid")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    assignee: Mapped[Staff | None] = relationship(foreign_keys=[assignee_id])
    department: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    domain: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    # An emergency's number to call (120 / 119 / 110) and its name (疑似中风), told first.
    emergency_call: Mapped[str | None] = mapped_column(String(8))
    emergency_name: Mapped[str | None] = mapped_column(String(32))
    keywords: Mapped[dict] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text)
    # A phone number the resident gave in their words: shown to the ticket's owner only.
    resident_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default="new")
    channel: Mapped[str] = mapped_column(String(16), default="wechat")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accept_by: Mapped[datetime]
    first_reply_by: Mapped[datetime]
    resolve_by: Mapped[datetime]
    # The deadline that applies now, kept by the database on every change (migration 0016):
    # accept_by while it waits to be taken, resolve_by after. The inbox orders by it.
    due_at: Mapped[datetime | None] = mapped_column(Computed(DUE_NOW, persisted=True))
    accepted_at: Mapped[datetime | None]
    first_reply_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    # Who did each step (the assessment credits them, not whoever holds the ticket now).
    accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", name="fk_ticket_accepted_by_id"))
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", name="fk_ticket_resolved_by_id"))
    closed_at: Mapped[datetime | None]
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)  # rework 返工
    # 0 grid worker, 1 grid leader, 2 community, 3 street, 4 district (see store.ladder).
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When each clock's breach was acted on: a clock escalates once, however often swept.
    accept_breached_at: Mapped[datetime | None]
    reply_breached_at: Mapped[datetime | None]
    resolve_breached_at: Mapped[datetime | None]
    extended_at: Mapped[datetime | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    urge_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    return_visit_at: Mapped[datetime | None]
    # Where it happened, when known (a location message, Open311 lat/long, a building).
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(255))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id",
                                                               name="fk_ticket_building_id"))
    building: Mapped[Building | None] = relationship()
    # A problem a staff member found on patrol (巡查上报, channel "patrol"): who found it.
    found_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", name="fk_ticket_found_by_id"))
    found_by: Mapped[Staff | None] = relationship(foreign_keys=[found_by_id])
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan")

    __table_args__ = (Index("ix_ticket_status_resolve_by", "status", "resolve_by"),
                      Index("ix_ticket_status_accept_by", "status", "accept_by"),
                      Index("ix_ticket_resident_created", "resident_id", "created_at"))


class TicketEvent(Base):
    """One line of a ticket's timeline; the timeline is the audit log."""

    __tablename__ = "ticket_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    ticket: Mapped[Ticket] = relationship(back_populates="events")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(16))  # resident / staff / system
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    staff: Mapped[Staff | None] = relationship()
    action: Mapped[str] = mapped_column(String(32))
    body: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class Outbox(Base):
    """A message GridDesk owes someone: written with the change that caused it, sent later."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    ticket: Mapped[Ticket | None] = relationship()
    to_openid: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # customer_service / template
    purpose: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the RQ worker delivering it
    sent_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_outbox_status_created", "status", "created_at"),)


class LocalDelivery(Base):
    """What the local transport "sent" when no WeChat credentials are set (the simulator's feed)."""

    __tablename__ = "local_delivery"
    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), unique=True)
    to_openid: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class NoticeForDay(Base):
    """A push that needs nothing of its reader tonight (a rating, a praise, a ticket taken off
    them), kept through the quiet hours and moved to the outbox once it is day (store/daytime)."""

    __tablename__ = "notice_for_day"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    ticket: Mapped[Ticket | None] = relationship()
    to_openid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    send_at: Mapped[datetime] = mapped_column(index=True)


class TicketCounter(Base):
    """The last ticket number handed out per day (numbers are YYMMDD + a daily sequence)."""

    __tablename__ = "ticket_counter"
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Building(Base):
    """A building (楼栋) of a grid: its code is the grid's 15 digits + 3, e.g. 幸福小区3栋."""

    __tablename__ = "building"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    grid: Mapped[Area] = relationship()
    estate: Mapped[str] = mapped_column(String(64), index=True)  # 小区 / 园区 name
    number: Mapped[str] = mapped_column(String(16))  # the building's number: "3" of 3栋
    address: Mapped[str | None] = mapped_column(String(128), index=True)  # 文三路259号
    households: Mapped[int | None] = mapped_column(Integer)
    lng: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    units: Mapped[list[BuildingUnit]] = relationship(
        back_populates="building", order_by="BuildingUnit.number", cascade="all, delete-orphan")

    @property
    def name(self) -> str:
        return f"{self.estate}{self.number}栋"


class BuildingUnit(Base):
    """A unit (单元) of a building: its code is the building's 18 digits + 2."""

    __tablename__ = "building_unit"
    __table_args__ = (UniqueConstraint("building_id", "number",
                                       name="uq_building_unit_building_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"))
    building: Mapped[Building] = relationship(back_populates="units")
    number: Mapped[int] = mapped_column(Integer)


class ApiKey(Base):
    """An Open311 client's key. Only its SHA-256 is stored; the key is shown once."""

    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # the first characters, to recognise it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # What the client may read and file: the tickets of this area and below (a grid, community
    # or street); None is the whole district (keys made before areas, and the district's).
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    area: Mapped[Area | None] = relationship()
    # Names, phones, room numbers and exact points unmasked: only a district admin gives it.
    personal_data: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_by: Mapped[Staff | None] = relationship()


# --- The console's tables (issue 5): canned replies, notices to residents, emergency dispatch.

# The inbox sorts and pages by these (keyset pagination on (due time, id) and (id)).
Index("ix_ticket_created_at", Ticket.created_at)
Index("ix_ticket_grid_status_resolve_by", Ticket.grid_id, Ticket.status, Ticket.resolve_by)
# A scope's period (the community's and the grid worker's dashboards: grid_id IN … OR
# area_id IN …, created in the last 30 days) is a BitmapOr of these two (migration 0011).
Index("ix_ticket_grid_created", Ticket.grid_id, Ticket.created_at)
Index("ix_ticket_area_created", Ticket.area_id, Ticket.created_at)
# The tickets held away from their grid (pools, escalations): the second of
# scope.visible_ticket_parts, a small part of all tickets.
AWAY_FROM_GRID = or_(Ticket.grid_id.is_(None), Ticket.area_id != Ticket.grid_id)
Index("ix_ticket_away_area_status", Ticket.area_id, Ticket.status,
      postgresql_where=AWAY_FROM_GRID, sqlite_where=AWAY_FROM_GRID)
# The SLA sweep's first-reply clock, like accept_by's and resolve_by's.
Index("ix_ticket_status_first_reply_by", Ticket.status, Ticket.first_reply_by)
# The inbox's first page: open tickets by due time, read in order (no sort of every open one).
OPEN_TICKET = Ticket.status.in_(("new", "assigned", "accepted", "reopened"))
# By the deadline that applies now (due_at): what is late or due soonest first (migration 0016).
Index("ix_ticket_open_due", Ticket.due_at, Ticket.id, postgresql_where=OPEN_TICKET,
      sqlite_where=OPEN_TICKET)
# Each person's open tickets: the least busy worker (every new ticket) and the inbox's 我的.
Index("ix_ticket_open_assignee", Ticket.assignee_id, postgresql_where=OPEN_TICKET,
      sqlite_where=OPEN_TICKET)
# The inbox's tab counts (open tickets by status, with 超时, 特急 and 我的) of a scope, read from
# the index alone on PostgreSQL (migration 0015): what they look at is carried in it.
Index("ix_ticket_open_tally", Ticket.grid_id, Ticket.status,
      postgresql_include=["area_id", "urgency", "assignee_id", "resolve_by", "accept_by"],
      postgresql_where=OPEN_TICKET, sqlite_where=OPEN_TICKET)
Index("ix_ticket_event_action_at", TicketEvent.action, TicketEvent.at)


def compared_with_models(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's include_object when a database is compared with these models: PostgreSQL's
    trigram search indexes (*_trgm, migration 0005) live in the migrations only."""
    return not (type_ == "index" and reflected and compare_to is None
                and (name or "").endswith("_trgm"))


class CannedReply(Base):
    """A prepared answer an agent can drop into a reply; shared with an area and below it."""

    __tablename__ = "canned_reply"
    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    area: Mapped[Area] = relationship()
    title: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Broadcast(Base):
    """A notice (通知公告) to the residents bound to chosen grids, sent through the outbox."""

    __tablename__ = "broadcast"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(16))  # policy / outage / safety / other
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    grid_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_by: Mapped[Staff] = relationship()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BroadcastRecipient(Base):
    """One resident a notice went to, with the outbox row that carries it."""

    __tablename__ = "broadcast_recipient"
    __table_args__ = (UniqueConstraint("broadcast_id", "resident_id",
                                       name="uq_broadcast_recipient"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcast.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))


class DispatchTask(Base):
    """急时直接调度: a task sent straight to the workers of chosen grids, bypassing the tiers."""

    __tablename__ = "dispatch_task"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # 收到 <code>
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    grid_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_by: Mapped[Staff] = relationship()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DispatchAck(Base):
    """One worker a dispatch went to, and when they answered 收到 (None: not yet)."""

    __tablename__ = "dispatch_ack"
    __table_args__ = (UniqueConstraint("task_id", "staff_id", name="uq_dispatch_ack"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("dispatch_task.id"), index=True)
    task: Mapped[DispatchTask] = relationship()
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    staff: Mapped[Staff] = relationship()
    grid_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    grid: Mapped[Area] = relationship()
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    acknowledged_at: Mapped[datetime | None]


HELD_STATES = ("waiting", "opened", "replied", "dismissed")


class HeldMessage(Base):
    """未受理留言: a resident's message that opened no ticket, was no command and got no FAQ
    answer, kept for a person until an agent opens it as a ticket, replies or dismisses it."""

    __tablename__ = "held_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    resident: Mapped[Resident] = relationship()
    # The resident's grid when it arrived, else the district: whose agents see it.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    area: Mapped[Area | None] = relationship()
    msg_type: Mapped[str] = mapped_column(String(16))  # text / voice / image / link / ...
    text: Mapped[str | None] = mapped_column(Text)  # the resident's words, as written
    attachment: Mapped[dict] = mapped_column(JSON, default=dict)  # pic_url, media_id, url...
    guess: Mapped[dict] = mapped_column(JSON, default=dict)  # what the classifier made of it
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    handled_by: Mapped[Staff | None] = relationship()
    handled_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)  # the reply sent, or why it was dismissed
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    ticket: Mapped[Ticket | None] = relationship()

    __table_args__ = (Index("ix_held_message_status_area", "status", "area_id", "id"),)


class Photo(Base):
    """A resident's picture, downloaded by the server the day it arrives (a MediaId lives
    3 days; a PicUrl is not ours) and kept in the database, so every web machine serves it."""
    __tablename__ = "photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"),
                                                   index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    media_id: Mapped[str | None] = mapped_column(String(128))
    pic_url: Mapped[str | None] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # stored, failed
    content_type: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    # A small JPEG for the phone pages, made once from `data` the first time it is shown.
    thumbnail: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    stored_at: Mapped[datetime | None]


class BindFailure(Base):
    """A wrong 绑定 code from a WeChat user: a few an hour per sender, then no more tries."""
    __tablename__ = "bind_failure"
    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


# --- How WeChat lets us write to each openid (issue 14): reply windows, quotas, mass sends.

class SendAllowance(Base):
    """What WeChat still allows us to send one openid (resident or staff member).

    Customer-service messages since 2023-06-12: 5 within 48 h after the user's message, 3
    within 1 min after a menu click, a follow or a QR scan; each new action renews its own
    allowance (they do not add up). Mass sends: 4 per user a natural month (service account).
    """

    __tablename__ = "send_allowance"
    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_at: Mapped[datetime | None]  # the user's last message
    message_sends: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    event_at: Mapped[datetime | None]  # the user's last click / follow / scan
    event_sends: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    mass_month: Mapped[str | None] = mapped_column(String(6))  # 202611, China time
    mass_sends: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Why nothing more should be sent: unsubscribed (43004) / invalid_openid (40003).
    unreachable: Mapped[str | None] = mapped_column(String(32))


class MassSend(Base):
    """One message/mass/send call of a notice (up to 10,000 openids), and what WeChat
    reported for it in the MASSSENDJOBFINISH event."""

    __tablename__ = "mass_send"
    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcast.id"), index=True)
    client_msg_id: Mapped[str] = mapped_column(String(64), unique=True)  # WeChat dedupes on it
    openids: Mapped[list] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # → submitted → finished
    msg_id: Mapped[str | None] = mapped_column(String(32), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(64))  # the event's Status
    total_count: Mapped[int | None] = mapped_column(Integer)
    filter_count: Mapped[int | None] = mapped_column(Integer)  # left after WeChat's filters
    sent_count: Mapped[int | None] = mapped_column(Integer)
    error_count: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


# The service teams' tables (issue 17) live beside these; importing them here puts them in
# Base.metadata wherever the models are used (migrations, tests, the app).
from store import service_models  # noqa: E402,F401
