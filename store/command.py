"""指挥调度: notices to the residents of chosen grids, and emergency dispatch to their workers.

Both go through the outbox like every other message. A notice goes as customer-service text to
residents inside WeChat's 48-hour window and as a template message to the others (the only
two ways an official account may write to one person); a dispatch goes as a template message
to each bound worker, who answers 收到 <code> from WeChat.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store import outbox
from store.models import (Area, Broadcast, BroadcastRecipient, DispatchAck, DispatchTask,
                          Outbox, Resident, Staff)
from store.tickets import TicketError

TOPICS = {"policy": "政策宣传", "outage": "停水停电", "safety": "安全提示", "other": "其他通知"}
MAX_RECIPIENTS = 50_000  # one notice; more should go by WeChat's mass send (群发)


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
    payload = {"title": f"【{TOPICS[topic]}】{title}", "fields": [["通知内容", body[:200]]],
               "remark": "", "template": "progress", "text": text}
    for resident in residents:
        row = outbox.add(session, to_openid=resident.openid,
                         channel=outbox.resident_channel(resident, now),
                         purpose="broadcast", payload=payload, now=now)
        session.flush()  # the recipient row names its message
        session.add(BroadcastRecipient(broadcast_id=notice.id, resident_id=resident.id,
                                       grid_id=resident.grid_id, outbox_id=row.id))
    return notice


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
    payload = {"title": f"【紧急调度】{title}", "fields": [["任务", body[:200]],
                                                      ["调度人", by.name]],
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
        return (f"没有找到调度任务 {code}，请核对编号。" if code
                else "您目前没有待确认的调度任务。")
    if ack.acknowledged_at is not None:
        return f"调度任务 {ack.task.code} 您已确认过，请按要求执行。"
    ack.acknowledged_at = now
    return f"已确认收到调度任务 {ack.task.code}「{ack.task.title}」，请立即执行。"
