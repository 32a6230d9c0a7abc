"""Messages WeChat did not take, grouped by why in Chinese, and a way to try again."""
from __future__ import annotations

import re

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.console import bp, roles_required
from bot.wechat.errors import current_alerts, dismiss_alert
from bot.services import services
from store import outbox, scope
from store.models import Resident, Staff, Ticket
from store.vocab import ROLE_NAMES, resident_label

# WeChat's answers (公众号 全局返回码) and our own, as the people fixing them read them.
CAUSES = {
    45015: "超出客服消息时间窗口（收件人 48 小时内未发消息），且未配置模板消息",
    45047: "客服消息超出条数限制，且未配置模板消息",
    43004: "用户已取消关注公众号，不再发送",
    40003: "openid 无效（不是本公众号的用户），不再发送",
    45009: "接口今日调用次数已用完，北京时间零点后自动继续",
    40001: "access_token 无效，已刷新后重试",
    42001: "access_token 已过期，已刷新后重试",
    48001: "公众号没有该接口权限，不再重试（请检查账号认证与接口权限）",
    40164: "服务器 IP 不在公众号 IP 白名单，暂停发送",
    47003: "模板参数不符合模板要求（字段类型或长度）",
    40037: "模板 ID 无效（请核对 WECHAT_TEMPLATE_* 设置）",
    -1: "微信系统繁忙，稍后自动重试",
}
OTHER = "其他错误"
NETWORK = "网络超时或连接失败，稍后自动重试"


def failure_cause(error: str | None) -> str:
    """The Chinese cause of a stored error: its WeChat errcode, or the kind of failure."""
    text = error or ""
    found = (re.search(r"Error code: (-?\d+)", text)
             or re.match(r"(-?\d+)\b", text.split(": ", 1)[-1]) or re.match(r"(-?\d+)\b", text))
    if found and int(found.group(1)) in CAUSES:
        return CAUSES[int(found.group(1))]
    if re.search(r"Timeout|ConnectionError|ConnectTimeout", text):
        return NETWORK
    return OTHER


def recipients(session, openids: set[str]) -> dict[str, str]:
    """Each openid as a person: a staff member's name and role, a resident's label."""
    found = {staff.openid: f"{staff.name}（{ROLE_NAMES.get(staff.role, '')}）"
             for staff in session.scalars(select(Staff).where(Staff.openid.in_(openids)))}
    for resident in session.scalars(select(Resident).where(Resident.openid.in_(openids))
                                    .options(selectinload(Resident.grid))):
        found.setdefault(resident.openid, resident_label(resident))
    return found


@bp.get("/deliveries")
@roles_required(*scope.SEES_EVERYTHING)
def deliveries():
    with services().db.sessions() as session:
        rows = outbox.troubled(session)
        numbers = dict(session.execute(
            Ticket.__table__.select().with_only_columns(Ticket.id, Ticket.number)
            .where(Ticket.id.in_({r.ticket_id for r in rows if r.ticket_id}))).all())
        people = recipients(session, {r.to_openid for r in rows})
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(failure_cause(row.last_error), []).append(row)
    return render_template("console/deliveries.html", groups=groups, numbers=numbers,
                           people=people,
                           alerts=current_alerts(services()))


@bp.post("/deliveries/<int:outbox_id>/retry")
@roles_required(*scope.SEES_EVERYTHING)
def retry_delivery(outbox_id: int):
    svc = services()
    with svc.db.transaction() as session:
        again = outbox.retry(session, outbox_id)
    if again:
        svc.deliver_later([outbox_id])
        flash("已重新发送")
    else:
        flash("这条消息已发出，无需重发")
    return redirect(url_for("console.deliveries"))


@bp.post("/deliveries/alerts/<int:code>/dismiss")
@roles_required("admin")
def dismiss_delivery_alert(code: int):
    """The admin fixed it (whitelisted the address, got the API authorised)."""
    dismiss_alert(services(), code)
    flash("已标记为处理完毕")
    return redirect(url_for("console.deliveries"))


@bp.get("/wechat-check")
@roles_required("admin")
def wechat_check():
    """上线检查: the same check as `griddesk wechat-check`, against the real account."""
    from bot.wechat import check as account
    svc = services()
    findings = account.check(svc.settings, svc.transport)
    return render_template("console/wechat_check.html", findings=findings,
                           ready=all(f.ok for f in findings), alerts=current_alerts(svc))
