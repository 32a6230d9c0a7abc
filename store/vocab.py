"""Chinese names shown to people for the codes stored in the database."""
import re
from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")  # China has one zone and no daylight saving

KIND_NAMES = {"complaint": "投诉", "consultation": "咨询", "help": "求助",
              "suggestion": "建议", "praise": "表扬", "other": "其他"}
STATUS_NAMES = {"new": "待分派", "assigned": "待接单", "accepted": "处理中", "resolved": "已办结",
                "closed": "已关闭", "reopened": "重新办理", "cancelled": "已取消"}
# A complaint about how staff work (its category): handled from the grid leader up, and not
# shown to grid workers who do not hold it, since it may be about them.
CONDUCT = "工作作风"
URGENCY_NAMES = {"normal": "一般", "urgent": "紧急", "emergency": "特急"}
ROLE_NAMES = {"admin": "管理员", "district": "区中心", "street": "街道分中心",
              "community": "社区工作站", "grid_leader": "网格长", "grid_worker": "网格员",
              "department": "职能部门", "member": "服务队员"}
# What an outbound message was for, as the console shows it.
PURPOSE_NAMES = {"ticket_assigned": "新工单", "escalated": "升级督办", "transferred": "转办",
                 "urged": "督办", "reopened": "返工", "cancelled": "居民撤回",
                 "resident_message": "居民补充", "rated_low": "差评通知", "emergency": "紧急求助",
                 "sos": "一键求助", "emergency_nearby": "附近紧急求助", "accepted": "已接单",
                 "replied": "回复居民",
                 "reply": "回复", "resolved": "办结通知", "extended": "延期通知",
                 "return_visit": "回访", "placed": "派往网格", "assigned_to": "分派通知",
                 "broadcast": "通知公告", "dispatch": "紧急调度",
                 "service_published": "服务需求", "service_full": "服务满员",
                 "service_coming": "队员接单", "service_changed": "服务变动",
                 "extension_requested": "申请延期"}
# 办服务: the kinds of service a resident may order; each is also its ticket's category.
SERVICE_KINDS = {"paperwork": "代办服务", "escort": "陪同就医", "repair": "上门维修",
                 "care": "生活照料", "other": "其他服务"}
SERVICE_CATEGORIES = frozenset(SERVICE_KINDS.values())
ORDER_STATUS_NAMES = {"requested": "待下单", "open": "待接单", "full": "已满员",
                      "serving": "服务中", "done": "已完成", "cancelled": "已取消"}
# Who holds a ticket at each tier, as residents and staff read it (never a grid's name).
TIER_NAMES = {"grid": "网格员", "grid_leader": "网格长", "community": "社区工作站",
              "street": "街道分中心", "district": "区中心"}
LEVEL_NAMES = {"district": "区", "street": "街道", "community": "社区", "grid": "网格"}


def percent(share: float | None) -> str:
    """A share as every figure shows it (dashboard, its CSV export, 统计 in WeChat): exactly none
    or all as 0% and 100%, anything between to one decimal (83.3%, 50.0%); — when there
    was nothing to count (0 of 0 is no rate, not 0%)."""
    if share is None:
        return "—"
    if share in (0, 1):
        return f"{share * 100:.0f}%"
    return f"{share * 100:.1f}%"


def china_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%m-%d %H:%M")


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def resident_label(resident, phone: str | None = None) -> str:
    """A resident as an agent reads them: 居民 #37 · 138****5678 · 幸福里第1网格 — what we know,
    the phone masked; never the openid (the ticket page keeps it a click away)."""
    grid = resident.grid.name if resident.grid is not None else None
    return " · ".join(part for part in (f"居民 #{resident.id}", mask_phone(phone), grid) if part)


# As residents type them: 139-1234-5678, 139 1234 5678, +86 139…, full-width digits (\d
# matches them), landlines with their area code, and 18-digit ID numbers.
_D, _SEP = r"[0-9０-９]", r"[-－ .　]?"
_WRITTEN_NUMBER = re.compile(
    rf"(?<!\d)((?:[+＋]?[8８][6６]{_SEP})?[1１][3-9３-９]\d){_SEP}\d{{4}}{_SEP}(\d{{4}})(?!\d)"
    rf"|(?<!\d)[(（]?(0\d{{2,3}})[)）]?{_SEP}\d{{3,4}}{_SEP}(\d{{4}})(?!\d)"
    rf"|(?<![0-9A-Za-z])({_D}{{6}}){_D}{{8}}({_D}{{3}}[0-9０-９Xx])(?![0-9A-Za-z])")


def _masked(match: re.Match) -> str:
    mobile, last, area, local_last, region, tail = match.groups()
    if mobile:
        return f"{mobile}****{last}"
    if area:
        return f"{area}-****{local_last}"
    return f"{region}********{tail}"


def mask_phones(text: str) -> str:
    """Phone and ID numbers in a resident's words, however typed, masked for everyone but the
    ticket's owner: 139****5678, 0571-****6655, 330106********1234."""
    return _WRITTEN_NUMBER.sub(_masked, text)


def minutes_between(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds() / 60))


def holder_name(ticket) -> str:
    """网格长 / 和平社区工作站 / 东湖街道分中心 / 区中心 / 城管: the tier that holds it now."""
    if ticket.tier == "department":
        return ticket.department or "职能部门"
    name = TIER_NAMES.get(ticket.tier, "工作人员")
    if ticket.tier in ("community", "street") and ticket.area is not None:
        return ticket.area.name + name.removeprefix("社区").removeprefix("街道")
    return name
