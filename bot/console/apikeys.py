"""接口密钥: the Open311 keys of one's area. A manager makes a key for a street, community or
grid within their own area (the district's for the whole district); it reads and files only
there, masked unless a district admin gave it personal data. The key is shown once, on the
page that made it (never in a flash message, which lives in the session cookie)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from bot.console import MANAGERS, areas_in_scope, bp, changing, me, roles_required
from bot.console.once import ShownOnce, shown_once
from bot.services import services
from store import apikeys
from store.models import Area
from store.scope import SEES_EVERYTHING


def _page(session, staff, once: ShownOnce | None = None):
    tree = [a for a in areas_in_scope(session, staff) if a.level in apikeys.AREA_LEVELS]
    keys = apikeys.listing(session, by=staff)
    _ = [k.area for k in keys], [k.created_by for k in keys]
    return render_template("console/api_keys.html", keys=keys, tree=tree, once=once,
                           district=staff.role in SEES_EVERYTHING)


@bp.get("/api-keys")
@roles_required(*MANAGERS)
def api_keys():
    with services().db.sessions() as session:
        return _page(session, me(session))


@bp.post("/api-keys")
@roles_required(*MANAGERS)
def api_key_change():
    form, now = request.form, services().now()
    try:
        with changing() as session:
            staff = me(session)
            if form.get("do") == "revoke":
                row = apikeys.revoke(session, form.get("name", ""), now, by=staff)
                message = f"已吊销接口密钥 {row.name}"
            else:
                area_id = form.get("area", type=int)
                area = session.get(Area, area_id) if area_id else None
                if area_id and area is None:
                    raise apikeys.KeyRefused("接口密钥的范围须在您的辖区内")
                row, key = apikeys.create(session, form.get("name", ""), now, area=area,
                                          personal_data=form.get("personal") == "1", by=staff)
                made = ShownOnce(f"已创建接口密钥 {row.name}：", key,
                                 "密钥只显示这一次，系统只保存其摘要；请立即复制并安全转交对方系统。")
    except ValueError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("console.api_keys"))
    if form.get("do") == "revoke":
        flash(message, "ok")
        return redirect(url_for("console.api_keys"))
    with services().db.sessions() as session:
        return shown_once(_page(session, me(session), made), 201)
