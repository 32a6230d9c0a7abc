"""Staff accounts and canned replies, as managed from the console."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import STAFF_ROLES, Area, CannedReply, Staff
from store import orphans, owners
from store.tickets import TicketError

# Who may create whom: a manager creates roles below their own, inside their area.
RANK = {"admin": 6, "district": 5, "street": 4, "community": 3, "department": 2,
        "grid_leader": 2, "grid_worker": 1, "member": 0}
ROLE_LEVELS = {"admin": "district", "district": "district", "department": "district",
               "street": "street", "community": "community", "grid_leader": "community",
               "grid_worker": "grid", "member": "community"}


def check_role(role: str, area: Area) -> None:
    if role not in STAFF_ROLES:
        raise TicketError("未知的角色")
    wanted = ROLE_LEVELS[role]
    if role == "grid_leader" and area.level in ("community", "grid"):
        return
    if role == "member" and area.level in ("street", "community", "grid"):
        return  # a service team member sits where their team belongs
    if area.level != wanted:
        names = {"district": "区", "street": "街道", "community": "社区", "grid": "网格"}
        raise TicketError(f"该角色应设在{names[wanted]}一级")


def create_staff(session: Session, *, username: str, name: str, role: str, area: Area,
                 password_hash: str, phone: str | None, department: str | None,
                 now: datetime, must_change_password: bool = False) -> Staff:
    username = username.strip()
    if not username or not name.strip():
        raise TicketError("请填写用户名和姓名")
    if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise TicketError(f"用户名 {username} 已存在")
    check_role(role, area)
    if role == "department" and not (department or "").strip():
        raise TicketError("职能部门账号需要填写部门名称")
    staff = Staff(username=username, name=name.strip(), role=role, area=area,
                  password_hash=password_hash, phone=(phone or "").strip() or None,
                  department=(department or "").strip() or None, created_at=now,
                  must_change_password=must_change_password)
    session.add(staff)
    session.flush()
    return staff


def update_staff(session: Session, staff: Staff, *, role: str, area: Area, on_duty: bool,
                 active: bool, phone: str | None, now: datetime,
                 duty_hours: str | None = None) -> list[str]:
    """Change a person; the open tickets they can no longer receive (deactivated, moved) go
    to the next reachable owner. Returns those tickets' numbers."""
    check_role(role, area)
    if staff.active and not active:
        end_sessions(staff)  # a deactivated person is logged out everywhere at once
    try:
        hours = owners.parse_duty_hours(duty_hours)
    except ValueError as error:
        raise TicketError(str(error)) from None
    staff.role, staff.area, staff.on_duty, staff.active = role, area, on_duty, active
    staff.phone = (phone or "").strip() or None
    staff.duty_hours = hours
    return orphans.rehome_tickets_of(session, staff, now)


def unbind(session: Session, staff: Staff, now: datetime) -> list[str]:
    """Unlink a person's WeChat; their open tickets go to the next reachable owner."""
    staff.openid = None
    return orphans.rehome_tickets_of(session, staff, now)


def end_sessions(staff: Staff) -> None:
    """Every console session of this person ends (each carries the version it began under)."""
    staff.session_version = (staff.session_version or 0) + 1


def set_password(staff: Staff, password_hash: str, *, must_change: bool = False) -> None:
    """A new password ends every session; a reset one must be changed at the next login."""
    staff.password_hash = password_hash
    staff.must_change_password = must_change
    end_sessions(staff)


def add_canned_reply(session: Session, *, area: Area, title: str, body: str, by: Staff,
                     now: datetime) -> CannedReply:
    if not title.strip() or not body.strip():
        raise TicketError("请填写快捷回复的标题和内容")
    reply = CannedReply(area=area, title=title.strip()[:64], body=body.strip(),
                        created_by_id=by.id, created_at=now)
    session.add(reply)
    return reply


def canned_replies_for(session: Session, area: Area | None) -> list[CannedReply]:
    """The replies shared with this area or any area above it, nearest first."""
    if area is None:
        return []
    chain = [a.id for a in area.ancestors()]
    replies = session.scalars(select(CannedReply).where(CannedReply.area_id.in_(chain)))
    return sorted(replies, key=lambda r: (chain.index(r.area_id), r.title))
