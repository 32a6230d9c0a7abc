"""未受理留言: a resident's message that opened no ticket, was no command and got no FAQ
answer waits here for a person, who opens it as a ticket, replies, or dismisses it.

Every change is recorded on the message (who, when, the reply or the reason) in the
caller's transaction, with the outbox rows it owes the resident.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, defer

from store import notices, outbox, scope, tickets
from store.locate import locate
from store.models import HeldMessage, InboundMessage, Photo, Resident, Staff, Ticket
from store.registry import root_area
from store.sla import SlaPolicy

ATTACHMENT_NAMES = {"image": "[图片]", "voice": "[语音]", "video": "[视频]",
                    "shortvideo": "[小视频]", "link": "[链接]", "location": "[位置]",
                    "file": "[文件]"}


def hold(session: Session, resident: Resident, now: datetime, *, msg_type: str,
         text: str | None = None, attachment: dict | None = None,
         guess: dict | None = None) -> HeldMessage:
    """Keep a message for a person, in the resident's grid (else the district's pool)."""
    area = resident.grid or root_area(session)
    held = HeldMessage(resident=resident, area=area, msg_type=msg_type, text=text or None,
                       attachment={k: v for k, v in (attachment or {}).items() if v},
                       guess=guess or {}, received_at=now, status="waiting")
    session.add(held)
    return held


def summary(held: HeldMessage) -> str:
    """The words, or what was sent instead of words."""
    return held.text or ATTACHMENT_NAMES.get(held.msg_type, f"[{held.msg_type}]")


def waiting(session: Session, staff: Staff):
    """The waiting messages this staff member may see (a query; newest first)."""
    return (scope.visible_held(session, staff).where(HeldMessage.status == "waiting")
            .order_by(HeldMessage.id.desc()))


def waiting_count(session: Session, staff: Staff) -> int:
    return session.scalar(select(func.count()).select_from(waiting(session, staff)
                                                           .order_by(None).subquery()))


def phones_known(session: Session, staff: Staff, resident_ids) -> dict[int, str]:
    """The phone number each resident last gave in a ticket this staff member may see (the
    list shows it masked)."""
    ids = list(set(resident_ids))
    if not ids:
        return {}
    known = scope.visible_tickets(session, staff).where(
        Ticket.resident_id.in_(ids), Ticket.resident_phone.is_not(None))
    return dict(session.execute(known.with_only_columns(Ticket.resident_id,
                                                        Ticket.resident_phone)
                                .order_by(Ticket.id)).all())


def scoped(session: Session, staff: Staff, held_id: int) -> HeldMessage | None:
    """The message, if this staff member may see it."""
    return session.scalar(scope.visible_held(session, staff).where(HeldMessage.id == held_id))


def _take(held: HeldMessage, staff: Staff, now: datetime, status: str, note: str | None):
    if held.status != "waiting":
        who = held.handled_by.name if held.handled_by else "他人"
        raise tickets.TicketError(f"这条留言已由{who}处理")
    held.status, held.handled_by, held.handled_at, held.note = status, staff, now, note


def open_as_ticket(session: Session, held: HeldMessage, staff: Staff, *,
                   triage: tickets.Triage, description: str, now: datetime,
                   policy: SlaPolicy = SlaPolicy()) -> Ticket:
    """An agent makes the message a ticket: placed as a report would be (the resident's
    grid, else an address in the words), and the resident is told its number."""
    description = description.strip() or (held.text or "")
    if not description:
        raise tickets.TicketError("请填写工单内容（图片、语音等请用文字概括）")
    _take(held, staff, now, "opened", None)
    found = locate(session, resident=held.resident, text=description)
    ticket = tickets.open_ticket(session, resident=held.resident, description=description,
                                 triage=triage, now=now, policy=policy, located=found)
    held.ticket = ticket
    tickets.record_event(session, ticket, "note", now, actor="staff", staff=staff,
                         public=False, body=f"由未受理留言转为工单（{summary(held)[:60]}）")
    if held.attachment:
        tickets.record_event(session, ticket, "resident_message", now, actor="resident",
                             body=held.text, type=held.msg_type, **held.attachment)
    _pictures_join(session, [held], ticket)
    tickets.notify_resident(session, ticket, "opened_from_held", notices.progress(
        ticket, "已受理", description,
        f"您的留言已受理，工单号 {ticket.number}，会尽快派给工作人员处理。"
        f"回复“查询 {ticket.number}”可查看进度。"), now)
    session.flush()
    return ticket


def reply(session: Session, held: HeldMessage, staff: Staff, text: str,
          now: datetime) -> None:
    """An agent answers the resident (a customer-service message inside WeChat's window)."""
    text = text.strip()
    if not text:
        raise tickets.TicketError("回复内容不能为空")
    _take(held, staff, now, "replied", text)
    resident = held.resident
    outbox.add(session, to_openid=resident.openid,
               channel=outbox.resident_channel(resident, now), purpose="held_reply",
               payload={"text": f"【网格服务台】{text}"}, now=now)


def dismiss(session: Session, held_ids: list[int], staff: Staff, reason: str,
            now: datetime) -> int:
    """Set aside waiting messages this staff member sees, with a reason; how many were."""
    reason = reason.strip()
    if not reason:
        raise tickets.TicketError("请写明不予受理的原因，例如：问候语，无需处理")
    visible = scope.visible_held(session, staff).where(
        HeldMessage.id.in_(held_ids), HeldMessage.status == "waiting")
    ids = [held.id for held in session.scalars(visible)]
    if ids:
        session.execute(update(HeldMessage).where(HeldMessage.id.in_(ids),
                                                  HeldMessage.status == "waiting")
                        .values(status="dismissed", handled_by_id=staff.id, handled_at=now,
                                note=reason).execution_options(synchronize_session=False))
    return len(ids)


def join_ticket(session: Session, ticket: Ticket, now: datetime, since: datetime, *,
                media_only: bool = False, follow_ups: bool = False) -> int:
    """A resident's report opened a ticket: their pictures, locations and words held since
    `since` join its timeline (a photo sent before the words belongs to them); `media_only`:
    only pictures and locations (words said again of an older ticket take what came just
    before them, not what else the resident said); `follow_ups`: the ticket is the question
    an automatic answer was given to (转人工), and the questions asked after it join it too."""
    if ticket.resident_id is None:
        return 0
    query = select(HeldMessage).where(HeldMessage.resident_id == ticket.resident_id,
                                      HeldMessage.status == "waiting",
                                      HeldMessage.received_at >= since)
    if media_only:
        query = query.where(HeldMessage.msg_type.in_(("image", "location")))
    # a question asked after an automatic answer is the person's to answer, not a report's
    earlier = [held for held in session.scalars(query.order_by(HeldMessage.id))
               if follow_ups or not held.attachment.get("follows")]
    for held in earlier:
        held.status, held.handled_at, held.ticket = "opened", now, ticket
        held.note = "居民随后报事，已并入工单"
        tickets.record_event(session, ticket, "resident_message", held.received_at,
                             actor="resident", body=held.text, type=held.msg_type,
                             **held.attachment)
    _pictures_join(session, earlier, ticket)
    return len(earlier)


def answered_since(session: Session, resident: Resident, since: datetime, now: datetime, *,
                   note: str, which=lambda held: True) -> int:
    """The resident's words waiting since `since` that `which` keeps (an opener: "我想咨询一下")
    were answered by what they wrote next (a common question answered at once): set aside
    by the system (handled_by empty), with the note; how many were."""
    waiting_now = session.scalars(
        select(HeldMessage).where(HeldMessage.resident_id == resident.id,
                                  HeldMessage.status == "waiting",
                                  HeldMessage.received_at >= since)).all()
    settled = [held for held in waiting_now if which(held)]
    for held in settled:
        held.status, held.handled_at, held.note = "replied", now, note
    return len(settled)


def photos_of(session: Session, messages) -> dict[int, Photo]:
    """Our stored copy of each held picture (held id → photo, without its bytes): the one kept
    from the same resident's message with that MediaId (never the URL the message carried)."""
    wanted = {(m.resident.openid, m.attachment.get("media_id")): m.id for m in messages
              if m.msg_type == "image" and m.attachment.get("media_id")}
    if not wanted:
        return {}
    found = session.execute(
        select(Photo, InboundMessage.openid)
        .join(InboundMessage, Photo.inbound_id == InboundMessage.id)
        .where(Photo.media_id.in_({media for _, media in wanted}),
               InboundMessage.openid.in_({openid for openid, _ in wanted}))
        .options(defer(Photo.data), defer(Photo.thumbnail)).order_by(Photo.id))
    return {wanted[(openid, photo.media_id)]: photo for photo, openid in found
            if (openid, photo.media_id) in wanted}


def holding(session: Session, staff: Staff, photo: Photo) -> HeldMessage | None:
    """The 未受理留言 this staff member may see whose picture `photo` is, if any."""
    openid = session.scalar(select(InboundMessage.openid)
                            .where(InboundMessage.id == photo.inbound_id))
    if openid is None or not photo.media_id:
        return None
    candidates = session.scalars(
        scope.visible_held(session, staff).join(Resident, HeldMessage.resident_id == Resident.id)
        .where(Resident.openid == openid, HeldMessage.msg_type == "image"))
    return next((h for h in candidates if h.attachment.get("media_id") == photo.media_id), None)


def _pictures_join(session: Session, messages, ticket: Ticket) -> None:
    """Held pictures that join a ticket are the ticket's: its page shows them, its scope
    serves them."""
    for photo in photos_of(session, messages).values():
        if photo.ticket_id is None:
            photo.ticket_id = ticket.id
