"""Open311 API keys: only a key's SHA-256 is stored; the key itself is shown once.

A key reads and files only in its area (None: the whole district), and reads names, phones,
room numbers and exact points only with `personal_data`, which only a district admin (or the
operator's CLI) gives; otherwise its reads are masked like the public's."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from store.models import ApiKey, Area, Staff, Ticket
from store.scope import SEES_EVERYTHING, area_ids_under

PREFIX = "gd_"
AREA_LEVELS = ("street", "community", "grid")
MAKERS = ("admin", "district", "street", "community")  # console roles that make keys


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class KeyRefused(ValueError):
    """A key its maker may not give: an area outside their own, or personal data."""


def create(session: Session, name: str, now: datetime, *, area: Area | None = None,
           personal_data: bool = False, by: Staff | None = None) -> tuple[ApiKey, str]:
    """A new key for a client; returns the row and the key (never stored in the clear).

    `area`: what it reads and files (a street, community or grid; None: the whole district).
    `by`: the console user making it (None: the operator's CLI), who may give only an area
    within their own, and personal data only as a district admin."""
    name = name.strip()
    if not name or len(name) > 64:
        raise ValueError("name must be 1 to 64 characters")
    if area is not None and area.level not in AREA_LEVELS:
        raise KeyRefused("接口密钥的范围只能是街道、社区或网格（或全区）")
    if by is not None:
        if by.role not in MAKERS:
            raise KeyRefused("您的账号不能创建接口密钥")
        if by.role not in SEES_EVERYTHING and (
                area is None or area.id not in area_ids_under(session, by.area_id)):
            raise KeyRefused("接口密钥的范围须在您的辖区内")
        if personal_data and by.role not in SEES_EVERYTHING:
            raise KeyRefused("只有区级管理员可以授予读取个人信息（姓名、电话、门牌号）的权限")
    if session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
        raise ValueError(f"an API key named {name!r} exists")
    key = PREFIX + secrets.token_urlsafe(24)
    row = ApiKey(name=name, key_hash=_digest(key), prefix=key[:8], created_at=now, area=area,
                 personal_data=personal_data, created_by=by)
    session.add(row)
    session.flush()
    return row, key


def check(session: Session, key: str | None, now: datetime) -> ApiKey | None:
    """The live key a client gave, noting its use; None for a missing, wrong or revoked key."""
    if not key or len(key) > 200:
        return None
    digest = _digest(key)
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_hash,
                                                                            digest):
        return None
    row.last_used_at = now
    return row


def revoke(session: Session, name: str, now: datetime, by: Staff | None = None) -> ApiKey:
    row = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if row is None or (by is not None and not manages(session, by, row)):
        raise ValueError(f"no API key named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = now
    return row


def listing(session: Session, by: Staff | None = None) -> list[ApiKey]:
    """Every key (the CLI), or those a console user manages: keys of their area or below."""
    query = select(ApiKey).order_by(ApiKey.id)
    if by is not None and by.role not in SEES_EVERYTHING:
        query = query.where(ApiKey.area_id.in_(area_ids_under(session, by.area_id)))
    return list(session.scalars(query))


def manages(session: Session, staff: Staff, row: ApiKey) -> bool:
    if staff.role in SEES_EVERYTHING:
        return True
    return staff.role in MAKERS and row.area_id is not None and \
        row.area_id in area_ids_under(session, staff.area_id)


def area_ids(session: Session, row: ApiKey) -> list[int] | None:
    """The areas a key reads and files in; None: the whole district."""
    return None if row.area_id is None else area_ids_under(session, row.area_id)


def in_area(session: Session, row: ApiKey):
    """A condition on Ticket: the ticket is in the key's area (its grid, or the area holding
    it, as store.scope sees a staff member's), or True for a district key."""
    ids = area_ids(session, row)
    if ids is None:
        return true()
    return or_(Ticket.grid_id.in_(ids), Ticket.area_id.in_(ids))
