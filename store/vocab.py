"""Chinese names shown to people for the codes stored in the database."""
from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")  # China has one zone and no daylight saving

KIND_NAMES = {"complaint": "投诉", "consultation": "咨询", "help": "求助",
              "suggestion": "建议", "praise": "表扬", "other": "其他"}
STATUS_NAMES = {"new": "待分派", "assigned": "待接单", "accepted": "处理中", "resolved": "已办结",
                "closed": "已关闭", "reopened": "重新办理", "cancelled": "已取消"}
URGENCY_NAMES = {"normal": "一般", "urgent": "紧急", "emergency": "特急"}
ROLE_NAMES = {"admin": "管理员", "district": "区中心", "street": "街道分中心",
              "community": "社区工作站", "grid_leader": "网格长", "grid_worker": "网格员",
              "department": "职能部门"}
LEVEL_NAMES = {"district": "区", "street": "街道", "community": "社区", "grid": "网格"}


def china_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%m-%d %H:%M")


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def minutes_between(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds() / 60))
