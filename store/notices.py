"""What people are told when a ticket changes, as data: a template message with a text twin.

Staff get template messages; residents get customer-service text while WeChat allows it and
the template form otherwise (see store.outbox.choose_channel). Which template key shows which
value is configured per template (bot/wechat/templates.py); template_values names the values.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store.arrival import TO_ACCEPT
from store.sla import clocked_from_morning
from store.vocab import (CHINA, KIND_NAMES, SERVICE_CATEGORIES, URGENCY_NAMES, china_time,
                         holder_name, mask_phone, mask_phones, minutes_between)


@dataclass(frozen=True)
class Notice:
    title: str
    fields: tuple[tuple[str, str], ...]
    remark: str
    template: str = "ticket"  # which template id carries it: ticket (staff) / progress
    plain: str | None = None  # the customer-service text, when it should read differently
    due: datetime | None = None  # the deadline a template's time field shows

    @property
    def text(self) -> str:
        if self.plain is not None:
            return self.plain
        lines = [self.title, *(f"{name}：{value}" for name, value in self.fields), self.remark]
        return "\n".join(line for line in lines if line)

    def as_payload(self) -> dict:
        payload = {"title": self.title, "fields": [list(f) for f in self.fields],
                   "remark": self.remark, "template": self.template, "text": self.text}
        if self.due is not None:
            payload["due"] = self.due.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        return payload


# A progress template's status is a phrase: at most 5 Chinese characters on WeChat.
SHORT_STATUS = {"办理时限延长": "时限延长"}


def template_values(payload: dict) -> dict[str, str]:
    """Every value a template key may name: the notice's own fields by their names, and the
    short names a template is configured with (工单号 类型 网格 时限 进度 说明 下一步 标题)."""
    fields = {name: str(value) for name, value in payload.get("fields") or []}
    title, status = payload.get("title", ""), fields.get("处理进度", "新消息")
    return {"标题": title, "类型": title, "网格": "—", "说明": payload.get("text", ""),
            "进度": SHORT_STATUS.get(status, status), "时限": payload.get("due", ""),
            "下一步": payload.get("remark") or "回复公众号即可联系我们", **fields}


def _who(staff, phone: bool = True) -> str:
    from store.vocab import ROLE_NAMES
    role = ROLE_NAMES.get(staff.role, "") if staff.role in ("grid_worker", "grid_leader") else ""
    masked = f"（{mask_phone(staff.phone)}）" if phone and staff.phone else ""
    return f"{role}{staff.name}{masked}"


def _kind(ticket) -> str:
    return f"{KIND_NAMES.get(ticket.kind, ticket.kind)}·{ticket.category}"


def assigned(ticket, now: datetime, *, reason: str = "新工单", photos: int = 0,
             owner: bool = False) -> Notice:
    """A ticket pushed to staff: to its owner with the resident's phone, to anyone else
    (emergency copies, a nearby worker) with phone numbers masked."""
    urgency = "" if ticket.urgency == "normal" else f"【{URGENCY_NAMES[ticket.urgency]}】"
    where = ticket.grid.name if ticket.grid else f"{ticket.area.name}（待定位）"
    place = (("地点", ticket.address[:60]),) if ticket.address else ()
    if ticket.lat is not None and ticket.lng is not None:
        place += (("位置", f"纬度 {ticket.lat:.5f}，经度 {ticket.lng:.5f}"),)
    if photos:
        place += (("照片", f"{photos} 张，请在工作台查看"),)
    if owner and ticket.resident_phone:
        place += (("居民电话", ticket.resident_phone),)
    return Notice(
        title=f"{urgency}{reason} {ticket.number}",
        fields=(("工单号", ticket.number), ("类型", _kind(ticket)),
                ("内容", (ticket.description if owner else
                          mask_phones(ticket.description))[:100]),
                ("网格", where), *place,
                *deadline(ticket, now)),
        remark=next_step(ticket) if owner or ticket.assignee is None else
        f"{_who(ticket.assignee, phone=False)}已收到；如需接手，请回复「接单 {ticket.number}」。",
        due=running_clock(ticket)[1] if ticket.kind != "praise" else None)


def next_step(ticket) -> str:
    """What the person pushed a ticket should do: accept it, or, for a resident's request
    for a service (办服务), place the order with the service teams; a ticket already taken
    (escalated on its reply or resolve clock, handed on) is answered and resolved instead."""
    if ticket.kind == "help" and ticket.category in SERVICE_CATEGORIES:
        return f"请回复「下单 {ticket.number}」派给服务队（可加人数、时长、时间，如 2人 2小时 明天9点）。"
    clock = running_clock(ticket)[0]
    if clock == "首次回复":
        return f"工单已接单，请回复「回复 {ticket.number} 内容」答复居民。"
    if clock == "办结":
        return f"工单已接单，处理好后请回复「办结 {ticket.number} 处理结果」。"
    return f"请回复「接单 {ticket.number}」接单。"


def running_clock(ticket) -> tuple[str, datetime, str]:
    """(name, due, what to do) of the clock the holder works against now: accepting while the
    ticket waits to be taken, then the first reply to the resident, then resolving it."""
    if ticket.status in TO_ACCEPT:
        return "接单", ticket.accept_by, "接单"
    if ticket.first_reply_at is None and ticket.resident_id is not None:
        return "首次回复", ticket.first_reply_by, "答复居民"
    return "办结", ticket.resolve_by, "办结"


def deadline(ticket, now: datetime) -> tuple[tuple[str, str], ...]:
    """The running clock's line (接单时限 until it is taken): the time left while there is
    some, never "0 分钟内"; praise has no clocks."""
    if ticket.kind == "praise":
        return (("接单时限", "表扬类工单不计时"),)
    name, due, verb = running_clock(ticket)
    left = minutes_between(now, due)
    span = f"{left} 分钟" if left < 120 else f"{left // 60} 小时"
    when = f"{china_time(due)} 前（{span}内）" if left > 0 else \
        f"已超过 {china_time(due)}，请尽快{verb}"
    if name == "接单" and clocked_from_morning(due, now):  # read at 08:00, not now
        when = f"{china_time(due)} 前（早上 8 点起计时）"
    return ((f"{name}时限", when),)


def now_held_by(ticket) -> str:
    """Who holds the ticket now, as a colleague reads it: 网格长周建国（138****5678）,
    和平社区工作站李明（…）, 城管赵强（…）."""
    staff = ticket.assignee
    if staff is None:
        return holder_name(ticket)
    who, tier = _who(staff), holder_name(ticket)
    return who if staff.role in ("grid_worker", "grid_leader") or tier in who else tier + who


def handed_away(ticket, verb: str, done: str = "") -> Notice:
    """To the person a ticket was taken from (上报, the ladder's clock, 转办, 改派, another's
    接单): brief, who holds it now ("已由" … "接单"), nothing more to do."""
    moved = f"{verb}{now_held_by(ticket)}{done}"
    short = (ticket.assignee.name if ticket.assignee is not None else holder_name(ticket)) + done
    # a phone shows the fields only, a line cut at 20 characters: the last one says it all
    return Notice(title=f"【{'已被接单' if done else '已转交'}】工单 {ticket.number}",
                  fields=(("工单号", ticket.number), ("类型", _kind(ticket)),
                          ("网格", ticket.grid.name if ticket.grid else "—")),
                  remark=f"{verb}{short}，您无需再处理",
                  plain=f"工单 {ticket.number} {moved}，您无需再处理。")


def staff_update(ticket, title: str, body: str, remark: str = "") -> Notice:
    """What happened on a ticket (居民补充, 居民说已无危险, 督办, 返工…). A phone shows only a
    template's fields, not its title or a 内容 line: there the type line says what happened and
    the last line the words (then the next step); the text form reads as it always did."""
    step = remark or f"回复「回复 {ticket.number} 内容」答复居民。"
    fields = (("工单号", ticket.number), ("类型", _kind(ticket)), ("内容", body[:200]))
    plain = "\n".join([f"{title} {ticket.number}", *(f"{n}：{v}" for n, v in fields), step])
    return Notice(title=f"{title} {ticket.number}",
                  fields=(("工单号", ticket.number), ("类型", title), ("内容", body[:200])),
                  remark=f"{body[:60]}｜{step}", plain=plain, due=ticket.resolve_by)


def rating(ticket, score: int, comment: str | None, *, good: bool) -> Notice:
    """A resident's rating to the handler. A phone shows only a template's fields (not its
    title), so the score is the type line and the resident's words the last one."""
    word, remark = (("好评", "感谢您的用心服务！") if good
                    else ("差评", "低分工单会安排回访，请留意回访结果。"))
    return Notice(title=f"【{word}】居民评价 {score} 分 {ticket.number}",
                  fields=(("工单号", ticket.number), ("类型", f"{word} {score} 分"),
                          ("网格", ticket.grid.name if ticket.grid else "—")),
                  remark=f"居民说：{comment}" if comment else f"（居民未写意见）{remark}")


def praise(ticket, words: str | None = None) -> Notice:
    """A resident's praise (表扬) passed on, their words (the ticket's, or `words` said of a
    ticket just closed) in the last line a phone shows."""
    return Notice(title=f"【表扬】居民表扬 {ticket.number}",
                  fields=(("工单号", ticket.number), ("类型", "居民表扬"),
                          ("网格", ticket.grid.name if ticket.grid else "—")),
                  remark=f"居民说：{mask_phones(words or ticket.description)[:100]}")


def progress(ticket, status: str, detail: str, plain: str) -> Notice:
    """A resident's progress message: the template form and its customer-service text."""
    return Notice(title=f"您的工单 {ticket.number} {status}",
                  fields=(("工单号", ticket.number), ("处理进度", status), ("说明", detail[:200])),
                  remark=f"回复“查询 {ticket.number}”查看全部进度。", template="progress",
                  plain=plain)


def accepted(ticket, staff) -> Notice:
    who = _who(staff)
    return progress(ticket, "已接单", f"{who}已接单",
                    f"您的工单 {ticket.number} 已由{who}接单，正在处理。")


def replied(ticket, staff, text: str) -> Notice:
    return progress(ticket, "有新回复", text,
                    f"【工单 {ticket.number}】{staff.name}回复：{text}")


def escalated(ticket) -> Notice:
    holder = holder_name(ticket)
    return progress(ticket, "已升级督办", f"已提交{holder}督办",
                    f"您的工单 {ticket.number} 已提交{holder}督办，我们会加快处理。")


def placed(ticket, grid) -> Notice:
    who = f"，由{_who(ticket.assignee)}负责" if ticket.assignee is not None else ""
    return progress(ticket, "已派往网格", f"已派往{grid.name}{who}",
                    f"您的工单 {ticket.number} 已派往“{grid.name}”{who}，请留意进度。")


def handed(ticket, staff) -> Notice:
    who = _who(staff)
    return progress(ticket, "已分派", f"已交由{who}办理",
                    f"您的工单 {ticket.number} 已交由{who}办理，请留意进度。")


def transferred(ticket, department: str) -> Notice:
    return progress(ticket, "已转交部门", f"已转交{department}办理",
                    f"您的工单 {ticket.number} 涉及{department}职责，已转交其办理。")


def extended(ticket, reason: str) -> Notice:
    due = china_time(ticket.resolve_by)
    return progress(ticket, "办理时限延长", f"{reason}，预计 {due} 前办结",
                    f"您的工单 {ticket.number} 因{reason}，办理时限延长至 {due}，请您谅解。")


def resolved(ticket, staff, note: str) -> Notice:
    return progress(
        ticket, "已办结", note,
        f"您的工单 {ticket.number} 已办结。\n处理结果：{note}\n"
        f"请为本次服务打分：回复 1-5（5 分非常满意，1 分很不满意），也可以在分数后附上意见。\n"
        f"如果问题没有解决，请回复“未解决 {ticket.number}”。")


def return_visit(ticket) -> Notice:
    return progress(
        ticket, "回访", "请问问题现在解决了吗？",
        f"【回访】您之前反映的问题（工单 {ticket.number}）现在解决了吗？"
        f"如果仍未解决，请回复“未解决 {ticket.number}”，我们会重新办理。")
