"""Residents' pictures, kept in the database: every web machine can serve them, and none
depends on WeChat (a MediaId downloads for 3 days) or on a URL a resident supplied."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from store.models import Photo

MAX_BYTES = 10 * 1024 * 1024  # WeChat's own limit for a picture
# The formats WeChat delivers, by their first bytes; anything else is not kept as a picture
# (an SVG or HTML page could carry script when opened on its own).
SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
              (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"), (b"BM", "image/bmp"))


def image_type(data: bytes) -> str | None:
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def add(session: Session, *, inbound_id: int, ticket_id: int | None, media_id: str | None,
        pic_url: str | None, now: datetime) -> Photo:
    """A picture that arrived; its bytes are fetched by a job (bot.wechat.jobs.fetch_photo)."""
    media_id = media_id if isinstance(media_id, str) else ""
    pic_url = pic_url if isinstance(pic_url, str) else ""
    photo = Photo(inbound_id=inbound_id, ticket_id=ticket_id, media_id=media_id[:128],
                  pic_url=pic_url[:512] or None, status="pending", created_at=now)
    session.add(photo)
    session.flush()
    return photo


def keep(session: Session, photo_id: int, data: bytes, now: datetime) -> str:
    """Store the downloaded bytes if they are a picture of a sane size; the photo's status."""
    photo = session.get(Photo, photo_id)
    kind = image_type(data)
    if len(data) > MAX_BYTES:
        photo.status, photo.error = "failed", f"larger than {MAX_BYTES} bytes"
    elif kind is None:
        photo.status, photo.error = "failed", "not a JPEG, PNG, GIF, BMP or WebP picture"
    else:
        photo.status, photo.content_type, photo.data = "stored", kind, data
        photo.stored_at, photo.error = now, None
    return photo.status


def fail(session: Session, photo_id: int, error: str) -> None:
    photo = session.get(Photo, photo_id)
    photo.status, photo.error = "failed", error[:255]


def of_ticket(session: Session, ticket_id: int) -> dict[str, Photo]:
    """MediaId → photo (without its bytes) for a ticket's timeline."""
    photos = session.scalars(select(Photo).where(Photo.ticket_id == ticket_id)
                             .options(defer(Photo.data)))
    return {photo.media_id: photo for photo in photos}


def pending_ids(session: Session, now: datetime, older_than, younger_than) -> list[int]:
    """Pictures still waiting (their job was lost, e.g. Redis was down) that WeChat still
    holds (a MediaId downloads for 3 days)."""
    return list(session.scalars(select(Photo.id).where(
        Photo.status == "pending", Photo.created_at < now - older_than,
        Photo.created_at > now - younger_than).order_by(Photo.id).limit(1000)))
