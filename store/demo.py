"""A small demo district: 2 streets, 4 communities, 12 grids, a worker per grid, a grid
leader per community, six functional departments and four service teams (store.demo_teams).

Codes follow the national pattern (district 6 digits + street 3 + community 3 + grid 3).
Loading twice changes nothing.
"""
from __future__ import annotations

import io
import json

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Area, Resident, Staff

DISTRICT = ("330199", "示范区")
STREETS = (("001", "东湖街道", (("001", "幸福里社区"), ("002", "和平社区"))),
           ("002", "西溪街道", (("001", "翠苑社区"), ("002", "文新社区"))))
LEADERS = ("周建国", "吴秀英", "郑海涛", "王桂兰")
DEPARTMENTS = ("城管", "住建", "生态环境", "市场监管", "交警", "水电气")
WORKERS = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴婷",
           "徐亮", "孙丽")
DEMO_RESIDENT = "o_demo_resident"
FIRST_GRID = "330199001001001"


def load(session: Session, *, password_hash: str, now: datetime) -> dict:
    """Create the demo areas and staff that are missing; return what was created."""
    created = {"areas": 0, "staff": 0, "residents": 0}

    def area(code, name, level, parent=None):
        found = session.scalar(select(Area).where(Area.code == code))
        if found is None:
            found = Area(code=code, name=name, level=level, parent=parent)
            session.add(found)
            created["areas"] += 1
        return found

    def staff(username, name, role, where, phone, openid=None, department=None):
        if session.scalar(select(Staff).where(Staff.username == username)) is None:
            session.add(Staff(username=username, name=name, role=role, area=where, phone=phone,
                              openid=openid, password_hash=password_hash, created_at=now,
                              department=department))
            created["staff"] += 1

    district = area(DISTRICT[0], DISTRICT[1], "district")
    staff("admin", "系统管理员", "admin", district, None)
    staff("district", "区中心值班员", "district", district, "13800000000", "o_district")
    for n, department in enumerate(DEPARTMENTS, start=1):
        staff(f"dept{n:02d}", f"区{department}", "department", district, f"1370000{n:04d}",
              f"o_dept_{n:02d}", department=department)
    worker_no = community_no = 0
    for s_code, s_name, communities in STREETS:
        street = area(district.code + s_code, s_name, "street", district)
        staff(f"street{s_code}", f"{s_name}分中心", "street", street, f"13800000{s_code}",
              f"o_street_{s_code}")
        for c_code, c_name in communities:
            community = area(street.code + c_code, c_name, "community", street)
            staff(f"community{s_code}{c_code}", f"{c_name}工作站", "community", community,
                  f"1380000{s_code}{c_code[-1]}", f"o_community_{s_code}{c_code}")
            community_no += 1
            staff(f"leader{community_no:02d}", LEADERS[community_no - 1], "grid_leader",
                  community, f"1360000{community_no:04d}", f"o_leader_{community_no:02d}")
            for g in range(1, 4):
                grid = area(f"{community.code}{g:03d}", f"{c_name.removesuffix('社区')}第{g}网格",
                            "grid", community)
                worker_no += 1
                staff(f"worker{worker_no:02d}", WORKERS[worker_no - 1], "grid_worker", grid,
                      f"1390000{worker_no:04d}", openid=f"o_worker_{worker_no:02d}")
    session.flush()
    _places(session)
    from store import demo_teams
    demo_teams.load(session, now)
    if session.scalar(select(Resident).where(Resident.openid == DEMO_RESIDENT)) is None:
        first_grid = session.scalar(select(Area).where(Area.code == FIRST_GRID))
        session.add(Resident(openid=DEMO_RESIDENT, grid=first_grid, created_at=now))
        created["residents"] += 1
    return created


ESTATES = ("幸福小区", "和平小区", "翠苑小区", "文新小区")  # one per community, in order


def _places(session: Session) -> None:
    """Grid polygons (squares side by side near 30.27°N 120.10°E) and three buildings of two
    units per grid, through the registry's own importers (both are idempotent)."""
    from store.areas_io import import_buildings, import_geojson
    grids = list(session.scalars(select(Area).where(Area.level == "grid",
                                                    Area.code.startswith(DISTRICT[0]))
                                 .order_by(Area.code)))
    features, rows = [], ["code,estate,number,units,address"]
    for n, grid in enumerate(grids):
        west, south, size = 120.10 + (n % 6) * 0.006, 30.27 + (n // 6) * 0.006, 0.005
        ring = [[west, south], [west + size, south], [west + size, south + size],
                [west, south + size], [west, south]]
        features.append({"type": "Feature", "properties": {"code": grid.code},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
        estate = ESTATES[n // 3]
        for b in range(1, 4):
            number = (n % 3) * 3 + b
            rows.append(f"{grid.code}{b:03d},{estate},{number},2,")
    import_geojson(session, io.StringIO(json.dumps({"type": "FeatureCollection",
                                                    "features": features})))
    import_buildings(session, io.StringIO("\n".join(rows) + "\n"))
