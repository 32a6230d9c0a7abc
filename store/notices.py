"""What staff are told, as data: a template message with a plain-text twin."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store.vocab import KIND_NAMES, URGENCY_NAMES, china_time, minutes_between


@dataclass(frozen=True)
class Notice:
    title: str
    fields: tuple[tuple[str, str], ...]
    remark: str

    @property
    def text(self) -> str:
        lines = [self.title, *(f"{name}：{value}" for name, value in self.fields), self.remark]
        return "\n".join(lines)

    def as_payload(self) -> dict:
        return {"title": self.title, "fields": [list(f) for f in self.fields],
                "remark": self.remark, "text": self.text}


def assigned(ticket, now: datetime) -> Notice:
    urgency = "" if ticket.urgency == "normal" else f"【{URGENCY_NAMES[ticket.urgency]}】"
    where = ticket.grid.name if ticket.grid else ticket.area.name
    return Notice(
        title=f"{urgency}新工单 {ticket.number}",
        fields=(("类型", f"{KIND_NAMES.get(ticket.kind, ticket.kind)}·{ticket.category}"),
                ("内容", ticket.description[:100]),
                ("网格", where),
                ("接单时限", f"{china_time(ticket.accept_by)} 前"
                              f"（{minutes_between(now, ticket.accept_by)} 分钟内）")),
        remark=f"请回复「接单 {ticket.number}」接单。")
