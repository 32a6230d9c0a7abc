"""The demo district's service teams (办服务): a party members' vanguard and a backing unit
in 幸福里社区, volunteers in 和平社区 and a social organisation for 西溪街道, loaded through the
registry's own importers (idempotent). Members with an openid are bound to WeChat already."""
from __future__ import annotations

import io
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Staff
from store.teams_io import import_members, import_teams

TEAMS = """code,name,kind,area_code,coverage,phone
T001,幸福里社区党员先锋队,party,330199001001,,13500000001
T002,区卫健局后盾单位,backing,330199001001,330199001001001 330199001001002,13500000002
T003,和平社区志愿服务队,volunteer,330199001002,,13500000003
T004,西溪街道为老服务社,social,330199002,,13500000004
"""
# username, name, team, phone, leader, openid ("" → not bound yet)
MEMBERS = (("member01", "李明", "T001", "13500010001", "yes", "o_member_01"),
           ("member02", "赵强", "T001", "13500010002", "no", "o_member_02"),
           ("member03", "孙红", "T002", "13500010003", "yes", "o_member_03"),
           ("member04", "钱程", "T002", "13500010004", "no", "o_member_04"),
           ("member05", "周敏", "T002", "13500010005", "no", ""),
           ("member06", "吴刚", "T003", "13500010006", "yes", "o_member_06"),
           ("member07", "郑洁", "T004", "13500010007", "yes", "o_member_07"))
DEMO_MEMBER = "o_member_03"  # 孙红 of the backing unit, for the simulator


def load(session: Session, now: datetime) -> None:
    import_teams(session, io.StringIO(TEAMS), now=now)
    rows = ["team_code,username,name,phone,leader"] + [
        f"{team},{user},{name},{phone},{leader}" for user, name, team, phone, leader, _ in MEMBERS]
    import_members(session, io.StringIO("\n".join(rows) + "\n"), now=now)
    for user, *_, openid in MEMBERS:
        staff = session.scalar(select(Staff).where(Staff.username == user))
        if openid and staff.openid is None and session.scalar(
                select(Staff.id).where(Staff.openid == openid)) is None:
            staff.openid = openid
