"""Open311 API keys: only a key's SHA-256 is stored; the key itself is shown once."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import ApiKey

PREFIX = "gd_"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create(session: Session, name: str, now: datetime) -> tuple[ApiKey, str]:
    """A new key for a client; returns the row and the key (never stored in the clear)."""
    name = name.strip()
    if not name or len(name) > 64:
        raise ValueError("name must be 1 to 64 characters")
    if session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
        raise ValueError(f"an API key named {name!r} exists")
    key = PREFIX + secrets.token_urlsafe(24)
    row = ApiKey(name=name, key_hash=_digest(key), prefix=key[:8], created_at=now)
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


def revoke(session: Session, name: str, now: datetime) -> ApiKey:
    row = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if row is None:
        raise ValueError(f"no API key named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = now
    return row


def listing(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))
