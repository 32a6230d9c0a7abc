"""指挥调度: notices to the residents of chosen grids, and emergency dispatch to their workers.

A notice goes by WeChat's mass send to an openid list (message/mass/send): templates are for a
person's own service, not announcements. One call takes 2 to 10,000 openids and WeChat
dedupes a repeated call by its clientmsgid; a service account's follower receives at most 4
mass messages a natural month (the rest are filtered), and WeChat reports each job later in a
MASSSENDJOBFINISH event. A notice to one resident goes through the outbox (a mass send needs
two). A dispatch goes as a template message to each bound worker, who answers 收到 <code>.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from store import outbox
from store.models import (Area, Broadcast, BroadcastRecipient, DispatchAck, DispatchTask,
                          MassSend, Outbox, Resident, SendAllowance, Staff)
from store.tickets import TicketError
from store.vocab import CHINA

TOPICS = {"policy": "政策宣传", "outage": "停水停电", "safety": "安全提示", "other": "其他通知"}
MAX_RECIPIENTS = 50_000  # one notice: five mass sends
MASS_MIN, MASS_MAX = 2, 10_000  # openids in one message/mass/send call
MASS_PER_MONTH = 4  # mass messages a service account's follower receives a natural month
NEW_MASS = "new_mass_send_ids"  # session.info key: mass sends to queue once committed


def _grids(session: Session, grid_ids: list[int]) -> list[Area]:
    grids = list(session.scalars(select(Area).where(Area.id.in_(grid_ids),
                                                    Area.level == "grid").order_by(Area.code)))
    if not grids:
        raise TicketError("请至少选择一个网格")
    return grids


MAX_TITLE, MAX_BODY = 100, 600  # a WeChat text carries about 600 Chinese characters


def _bounded(title: str, body: str) -> None:
    if len(title) > MAX_TITLE or len(body) > MAX_BODY:
        raise TicketError(f"标题不超过 {MAX_TITLE} 字，内容不超过 {MAX_BODY} 字")


def send_broadcast(session: Session, *, by: Staff, topic: str, title: str, body: str,
                   grid_ids: list[int], now: datetime) -> Broadcast:
    """Queue a notice to every subscribed resident bound to the chosen grids."""
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise TicketError("请填写通知标题和内容")
    _bounded(title, body)
    if topic not in TOPICS:
        raise TicketError("请选择通知类别")
    grids = _grids(session, grid_ids)
    residents = list(session.scalars(
        select(Resident).where(Resident.grid_id.in_([g.id for g in grids]),
                               Resident.subscribed.is_(True)).limit(MAX_RECIPIENTS + 1)))
    if len(residents) > MAX_RECIPIENTS:
        raise TicketError(f"收件居民超过 {MAX_RECIPIENTS} 人，请分批发送或使用微信群发")
    notice = Broadcast(topic=topic, title=title, body=body, grid_ids=[g.id for g in grids],
                       created_by=by, created_at=now)
    session.add(notice)
    session.flush()
    text = f"【{TOPICS[topic]}】{title}\n{body}"
    if len(residents) < MASS_MIN:
        for resident in residents:
            row = outbox.add(session, to_openid=resident.openid,
                             channel=outbox.resident_channel(resident, now), purpose="broadcast",
                             payload={"title": f"【{TOPICS[topic]}】{title}",
                                      "fields": [["通知内容", body[:200]]], "remark": "",
                                      "template": "progress", "text": text}, now=now)
            session.flush()  # the recipient row names its message
            session.add(BroadcastRecipient(broadcast_id=notice.id, resident_id=resident.id,
                                           grid_id=resident.grid_id, outbox_id=row.id))
        return notice
    session.add_all(BroadcastRecipient(broadcast_id=notice.id, resident_id=r.id,
                                       grid_id=r.grid_id) for r in residents)
    for n, chunk in enumerate(mass_chunks([r.openid for r in residents]), start=1):
        mass = MassSend(broadcast_id=notice.id, client_msg_id=f"griddesk-notice-{notice.id}-{n}",
                        openids=chunk, text=text, created_at=now)
        session.add(mass)
        session.info.setdefault(NEW_MASS, []).append(mass)
    return notice


def mass_chunks(openids: list[str]) -> list[list[str]]:
    """As few calls as WeChat allows, as even as can be (so none falls under two openids)."""
    calls = -(-len(openids) // MASS_MAX)
    size, extra = divmod(len(openids), calls)
    chunks, start = [], 0
    for n in range(calls):
        end = start + size + (1 if n < extra else 0)
        chunks.append(openids[start:end])
        start = end
    return chunks


def take_new_mass_ids(session: Session) -> list[int]:
    return [mass.id for mass in session.info.pop(NEW_MASS, [])]


def china_month(now: datetime) -> str:
    return now.astimezone(CHINA).strftime("%Y%m")


def mass_allowance_left(session: Session, grid_ids: list[int], now: datetime) -> dict[int, int]:
    """grid id → subscribed residents who may still receive a mass message this month."""
    month = china_month(now)
    used_up = (select(SendAllowance.openid)
               .where(SendAllowance.mass_month == month,
                      SendAllowance.mass_sends >= MASS_PER_MONTH))
    return dict(session.execute(
        select(Resident.grid_id, func.count())
        .where(Resident.grid_id.in_(grid_ids), Resident.subscribed.is_(True),
               Resident.openid.not_in(used_up))
        .group_by(Resident.grid_id)).all())


def claim_mass(session: Session, mass_id: int) -> MassSend | None:
    result = session.execute(update(MassSend).where(MassSend.id == mass_id,
                                                    MassSend.status == "pending")
                             .values(status="sending", attempts=MassSend.attempts + 1))
    return session.get(MassSend, mass_id, populate_existing=True) if result.rowcount else None


def mass_submitted(session: Session, mass_id: int, msg_id: str, now: datetime) -> None:
    """WeChat took the job: count it against each recipient's month (WeChat filters the
    fifth), and wait for its MASSSENDJOBFINISH."""
    mass = session.get(MassSend, mass_id)
    mass.status, mass.msg_id, mass.submitted_at, mass.last_error = ("submitted", msg_id, now,
                                                                    None)
    month = china_month(now)
    known = {a.openid: a for a in session.scalars(
        select(SendAllowance).where(SendAllowance.openid.in_(mass.openids)))}
    for openid in mass.openids:
        allowance = known.get(openid) or SendAllowance(openid=openid, message_sends=0,
                                                       event_sends=0, mass_sends=0)
        session.add(allowance)
        if allowance.mass_month != month:
            allowance.mass_month, allowance.mass_sends = month, 0
        allowance.mass_sends += 1


def mass_failed(session: Session, mass_id: int, error: str, *, final: bool) -> None:
    session.execute(update(MassSend).where(MassSend.id == mass_id)
                    .values(status="failed" if final else "pending", last_error=error[:2000]))


def mass_finished(session: Session, msg_id: str, *, result: str, total: int, kept: int,
                  sent: int, errors: int, now: datetime) -> bool:
    """Record WeChat's MASSSENDJOBFINISH counts; False when no notice of ours sent it."""
    mass = session.scalar(select(MassSend).where(MassSend.msg_id == msg_id))
    if mass is None:
        return False
    mass.status, mass.result, mass.finished_at = "finished", result, now
    mass.total_count, mass.filter_count, mass.sent_count, mass.error_count = (total, kept,
                                                                              sent, errors)
    return True


def stale_mass_ids(session: Session) -> list[int]:
    return list(session.scalars(select(MassSend.id).where(MassSend.status == "pending")))


def mass_results(session: Session, broadcast_id: int) -> list[MassSend]:
    return list(session.scalars(select(MassSend).where(MassSend.broadcast_id == broadcast_id)
                                .order_by(MassSend.id)))


def broadcast_delivery(session: Session, broadcast_id: int) -> dict[int, dict[str, int]]:
    """grid id → {status: count} of a notice's outbox rows (pending / sending / sent / failed)."""
    rows = session.execute(
        select(BroadcastRecipient.grid_id, Outbox.status, func.count())
        .join(Outbox, Outbox.id == BroadcastRecipient.outbox_id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .group_by(BroadcastRecipient.grid_id, Outbox.status))
    result: dict[int, dict[str, int]] = {}
    for grid_id, status, count in rows:
        result.setdefault(grid_id, {})[status] = count
    return result


def dispatch(session: Session, *, by: Staff, title: str, body: str, grid_ids: list[int],
             now: datetime) -> DispatchTask:
    """急时直接调度: the task goes straight to every active worker of the chosen grids."""
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise TicketError("请填写任务标题和内容")
    _bounded(title, body)
    grids = _grids(session, grid_ids)
    workers = list(session.scalars(
        select(Staff).where(Staff.area_id.in_([g.id for g in grids]),
                            Staff.role.in_(("grid_worker", "grid_leader")),
                            Staff.active.is_(True)).order_by(Staff.area_id, Staff.id)))
    if not workers:
        raise TicketError("所选网格没有在岗网格员")
    while True:
        code = f"{secrets.randbelow(9000) + 1000}"
        if session.scalar(select(DispatchTask.id).where(DispatchTask.code == code)) is None:
            break
    task = DispatchTask(code=code, title=title, body=body, grid_ids=[g.id for g in grids],
                        created_by=by, created_at=now)
    session.add(task)
    session.flush()
    payload = {"title": f"【紧急调度】{title}",
               "fields": [["工单号", code], ["类型", f"紧急调度：{title}"],
                          ["网格", "、".join(g.name for g in grids)], ["任务", body[:200]],
                          ["调度人", by.name]],
               "due": now.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
               "remark": f"请立即执行，并回复「收到 {code}」确认。", "template": "ticket",
               "text": f"【紧急调度】{title}\n{body}\n调度人：{by.name}\n"
                       f"请立即执行，并回复「收到 {code}」确认。"}
    for worker in workers:
        row = None
        if worker.openid:
            row = outbox.add(session, to_openid=worker.openid, channel="template",
                             purpose="dispatch", payload=payload, now=now)
            session.flush()  # the acknowledgement row names its message
        session.add(DispatchAck(task=task, staff=worker, grid_id=worker.area_id,
                                outbox_id=row.id if row else None))
    return task


NO_DISPATCH = "您目前没有待确认的调度任务。"


def acknowledge(session: Session, staff: Staff, code: str | None, now: datetime) -> str:
    """收到 [<code>]: the worker confirms a dispatch (the latest open one when no code)."""
    query = (select(DispatchAck).join(DispatchTask)
             .where(DispatchAck.staff_id == staff.id).order_by(DispatchTask.id.desc()))
    if code:
        query = query.where(DispatchTask.code == code.strip())
    else:
        query = query.where(DispatchAck.acknowledged_at.is_(None))
    ack = session.scalar(query.limit(1))
    if ack is None:
        return f"没有找到调度任务 {code}，请核对编号。" if code else NO_DISPATCH
    if ack.acknowledged_at is not None:
        return f"调度任务 {ack.task.code} 您已确认过，请按要求执行。"
    ack.acknowledged_at = now
    return f"已确认收到调度任务 {ack.task.code}「{ack.task.title}」，请立即执行。"
