"""Pictures, kept in the database: every web machine can serve them, and none depends on
WeChat (a MediaId downloads for 3 days) or on a URL a resident supplied. Residents' pictures
arrive as messages; staff add theirs from the phone pages (a finding on patrol, the evidence
of a resolved ticket), as an upload or as a JS-SDK MediaId fetched like a resident's. The
phone pages show thumbnails made once with Pillow and kept beside the picture."""
from __future__ import annotations

import io
import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from store.models import InboundMessage, Photo

log = logging.getLogger(__name__)
MAX_PER_ACTION = 9  # pictures one report or one resolution may carry (WeChat's chooseImage)
THUMBNAIL_PX = 360  # the longer side of a thumbnail: sharp on a phone's 2x screen at 180 px
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


class NotAPicture(ValueError):
    """An upload that cannot be kept as a picture; the message is Chinese and safe to show."""


def add_upload(session: Session, *, ticket_id: int, data: bytes, now: datetime,
               position: int = 1) -> Photo:
    """A picture a staff member uploaded from a phone page, kept at once."""
    if len(data) > MAX_BYTES:
        raise NotAPicture(f"第 {position} 张照片超过 {MAX_BYTES // 1024 // 1024} MB，请换一张")
    kind = image_type(data)
    if kind is None:
        raise NotAPicture(f"第 {position} 张不是照片（支持 JPEG、PNG、GIF、BMP、WebP）")
    photo = Photo(ticket_id=ticket_id, status="stored", content_type=kind, data=data,
                  created_at=now, stored_at=now)
    session.add(photo)
    session.flush()
    return photo


def attach(session: Session, ticket_id: int, *, uploads: list[bytes] = (),
           media_ids: list[str] = (), now: datetime) -> list[Photo]:
    """Staff's pictures for a ticket: uploads are kept at once; JS-SDK MediaIds are pending
    until bot.wechat.jobs.fetch_photo downloads them (queue it for each pending one after
    commit)."""
    count = len(uploads) + len(media_ids)
    if count > MAX_PER_ACTION:
        raise NotAPicture(f"最多上传 {MAX_PER_ACTION} 张照片，您选了 {count} 张")
    kept = [add_upload(session, ticket_id=ticket_id, data=data, now=now, position=n)
            for n, data in enumerate(uploads, 1)]
    return kept + [add(session, inbound_id=None, ticket_id=ticket_id, media_id=media_id,
                       pic_url=None, now=now) for media_id in media_ids]


def sent_by(session: Session, ticket_id: int, openid: str | None) -> list[int]:
    """The pictures a staff member sent in WeChat for a ticket (its site photos, kept on it
    as any message's picture is): the evidence of a resolution told in WeChat."""
    if not openid:
        return []
    return list(session.scalars(
        select(Photo.id).join(InboundMessage, Photo.inbound_id == InboundMessage.id)
        .where(Photo.ticket_id == ticket_id, InboundMessage.openid == openid)
        .order_by(Photo.id)))


def thumbnail(session: Session, photo_id: int) -> bytes | None:
    """The photo's thumbnail (a JPEG), made and kept the first time; None for a photo that
    is not stored or that Pillow cannot read."""
    photo = session.get(Photo, photo_id)
    if photo is None or photo.status != "stored":
        return None
    if photo.thumbnail is None:
        made = make_thumbnail(photo.data)
        if made is None:
            return None
        photo.thumbnail = made
    return photo.thumbnail


def make_thumbnail(data: bytes, size: int = THUMBNAIL_PX) -> bytes | None:
    """A JPEG whose longer side is at most `size`, turned upright (EXIF) on white."""
    from PIL import Image, ImageOps
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (size * 2, size * 2))  # JPEG: decode at a fraction of the size
            image = ImageOps.exif_transpose(image)
            image.thumbnail((size, size))
            if image.mode in ("RGBA", "LA", "P"):
                image = image.convert("RGBA")
                flat = Image.new("RGB", image.size, "white")
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=72, optimize=True)
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        log.warning("no thumbnail: %s", error)
        return None


def fail(session: Session, photo_id: int, error: str) -> None:
    photo = session.get(Photo, photo_id)
    photo.status, photo.error = "failed", error[:255]


def of_ticket(session: Session, ticket_id: int) -> dict[str, Photo]:
    """MediaId → photo (without its bytes) for a ticket's timeline."""
    photos = session.scalars(select(Photo).where(Photo.ticket_id == ticket_id)
                             .options(defer(Photo.data)))
    return {photo.media_id: photo for photo in photos if photo.media_id}


def pending_ids(session: Session, now: datetime, older_than, younger_than) -> list[int]:
    """Pictures still waiting (their job was lost, e.g. Redis was down) that WeChat still
    holds (a MediaId downloads for 3 days)."""
    return list(session.scalars(select(Photo.id).where(
        Photo.status == "pending", Photo.created_at < now - older_than,
        Photo.created_at > now - younger_than).order_by(Photo.id).limit(1000)))
