"""RQ jobs. They take ids, never objects, and run inside the app context of a worker."""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta

from wechatpy.exceptions import APILimitedException, WeChatClientException

from bot.services import services
from store import outbox
from store.vocab import CHINA

log = logging.getLogger(__name__)
# What WeChat's answers mean for the message (公众号 全局返回码说明).
UNREACHABLE_REASONS = {43004: "unsubscribed", 40003: "invalid_openid"}  # mark, stop
UNREACHABLE_CODES = {reason: code for code, reason in UNREACHABLE_REASONS.items()}
NOT_AUTHORISED = 48001  # this account may not call the API: alert, stop retrying
NOT_WHITELISTED = 40164  # this server's IP is not in the whitelist: alert, pause
GIVE_UP = frozenset({*UNREACHABLE_REASONS, NOT_AUTHORISED, 47003, 40037})
WHITELIST_PAUSE_SECONDS = 600


def quota_key(svc) -> str:
    return f"griddesk:wechat:{svc.settings.wechat_app_id}:quota_exhausted"


def pause_key(svc) -> str:
    return f"griddesk:wechat:{svc.settings.wechat_app_id}:paused"


def alerts_key(svc) -> str:
    return f"griddesk:wechat:{svc.settings.wechat_app_id}:alerts"


def seconds_to_china_midnight(now: datetime) -> int:
    """WeChat's daily API quotas start again at midnight, China time."""
    local = now.astimezone(CHINA)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
    return max(60, int((midnight - local).total_seconds()))


def raise_alert(svc, code: int, text: str) -> None:
    """Tell the admins (the 发送异常 page and 上线检查 show it) and the log."""
    log.error("WeChat %s: %s", code, text)
    svc.redis.hset(alerts_key(svc), str(code), json.dumps(
        {"text": text, "at": svc.now().isoformat()}, ensure_ascii=False))


def current_alerts(svc) -> list[dict]:
    return [{"code": int(code), **json.loads(value)}
            for code, value in sorted(svc.redis.hgetall(alerts_key(svc)).items())]


def deferred(svc) -> bool:
    return bool(svc.redis.exists(quota_key(svc), pause_key(svc)))


def deliver_outbox(outbox_id: int) -> str:
    """Hand one outbox row to the transport; raise on failure so RQ retries it (only where
    another try can succeed: every WeChat error code has its own behaviour here)."""
    svc = services()
    if deferred(svc):
        return "deferred"  # over WeChat's daily quota, or not whitelisted: the clock re-queues
    with svc.db.transaction() as session:
        row = outbox.claim(session, outbox_id, svc.now())
        if row is None:
            return "skipped"  # already sent, given up, or being sent by another worker
        reason = outbox.unreachable(session, row.to_openid)
        channel = None if reason else outbox.choose_channel(
            session, row, svc.now(), template_ready=svc.transport.template_ready(row.payload))
        if channel is None:
            outbox.give_up(session, outbox_id, (
                f"{UNREACHABLE_CODES[reason]} {reason}: not sent" if reason else
                "45015 no customer-service window left and no template configured "
                "(WECHAT_TEMPLATE_PROGRESS / WECHAT_TEMPLATE_TICKET)"))
            return "failed"
    try:
        used = svc.transport.send(row)
    except APILimitedException as error:  # 45009
        with svc.db.transaction() as session:
            outbox.release(session, outbox_id, f"45009 quota reached, waiting for midnight: "
                                                f"{error}")
        svc.redis.set(quota_key(svc), 1, ex=seconds_to_china_midnight(svc.now()))
        log.warning("WeChat quota reached; deliveries wait until midnight China time")
        return "deferred"
    except WeChatClientException as error:
        if error.errcode not in GIVE_UP and error.errcode != NOT_WHITELISTED:
            _failed_try(svc, outbox_id, error)
            raise  # -1 (busy) and the rest: RQ tries again later
        return _refused(svc, row, error)
    except Exception as error:
        _failed_try(svc, outbox_id, error)
        raise
    with svc.db.transaction() as session:
        if channel == "customer_service" and used != channel:
            outbox.window_used_up(session, row.to_openid)  # WeChat said 45015 / 45047
        outbox.mark_sent(session, outbox_id, svc.now(), channel=used)
    return "sent"


def _failed_try(svc, outbox_id: int, error: Exception) -> None:
    with svc.db.transaction() as session:
        state = outbox.mark_failed_try(session, outbox_id, f"{type(error).__name__}: {error}")
    log.warning("delivery of outbox %s failed (%s): %s", outbox_id, state, error)


def _refused(svc, row, error: WeChatClientException) -> str:
    """An answer no retry can change: the user is gone, or the account must be fixed."""
    code, text = error.errcode, f"{type(error).__name__}: {error}"
    with svc.db.transaction() as session:
        if code == NOT_WHITELISTED:  # every call fails until an admin adds this server
            outbox.release(session, row.id, text)
        else:
            outbox.give_up(session, row.id, text)
        if code in UNREACHABLE_REASONS:
            outbox.mark_unreachable(session, row.to_openid, UNREACHABLE_REASONS[code])
    if code == NOT_WHITELISTED:
        svc.redis.set(pause_key(svc), 1, ex=WHITELIST_PAUSE_SECONDS)
        raise_alert(svc, code, f"本服务器 IP {server_address(error)} 不在公众号的 IP 白名单中，"
                               f"请在公众平台“设置与开发 → 基本配置 → IP白名单”中加入；"
                               f"消息暂停发送，加入后自动继续。")
        return "deferred"
    if code == NOT_AUTHORISED:
        raise_alert(svc, code, "公众号没有该接口的权限（48001），消息不再重试。"
                               "请确认账号为已认证的服务号，并已开通模板消息/客服消息/群发接口。")
    return "failed"


def server_address(error: WeChatClientException) -> str:
    """The address WeChat saw this server call from: its 40164 answer names it."""
    found = re.search(r"invalid ip ([0-9A-Fa-f.:]+)", error.errmsg or "")
    return found.group(1) if found else "（未知）"


def deliver_mass_send(mass_id: int) -> str:
    """One message/mass/send call of a notice; WeChat reports its outcome later
    (MASSSENDJOBFINISH, handlers.events.MassSendFinished). Idempotent by clientmsgid."""
    from store import command
    svc = services()
    if deferred(svc):
        return "deferred"
    with svc.db.transaction() as session:
        mass = command.claim_mass(session, mass_id)
        if mass is None:
            return "skipped"
        openids, text, client_msg_id = mass.openids, mass.text, mass.client_msg_id
    try:
        msg_id = svc.transport.send_mass_text(openids, text, client_msg_id)
    except WeChatClientException as error:
        final = error.errcode in GIVE_UP or error.errcode == 40130
        with svc.db.transaction() as session:
            command.mass_failed(session, mass_id, f"{type(error).__name__}: {error}",
                                final=final)
        if error.errcode == NOT_AUTHORISED:
            raise_alert(svc, error.errcode, "公众号没有群发接口的权限（48001），通知未发出。"
                                            "请确认账号为已认证的服务号。")
        if final:
            return "failed"
        raise
    except Exception as error:
        with svc.db.transaction() as session:
            command.mass_failed(session, mass_id, f"{type(error).__name__}: {error}",
                                final=False)
        raise
    with svc.db.transaction() as session:
        command.mass_submitted(session, mass_id, msg_id, svc.now())
    if svc.transport.name == "local":  # no WeChat to report back: every one received it
        with svc.db.transaction() as session:
            command.mass_finished(session, msg_id, result="send success", total=len(openids),
                                  kept=len(openids), sent=len(openids), errors=0,
                                  now=svc.now())
    return "submitted"


def requeue_stale_outbox() -> int:
    """Re-enqueue rows whose delivery job was lost (Redis restart, crash, outage)."""
    svc = services()
    if deferred(svc):
        return 0
    older_than = timedelta(seconds=svc.settings.outbox_requeue_after_seconds)
    with svc.db.sessions() as session:
        ids = outbox.stale_ids(session, svc.now(), older_than)
    svc.deliver_later(ids)
    if ids:
        log.info("re-enqueued %d stale outbox rows", len(ids))
    from store import command
    with svc.db.sessions() as session:
        masses = command.stale_mass_ids(session)
    for mass_id in masses:
        svc.enqueue(deliver_mass_send, mass_id)
    return len(ids)


def reprocess_stuck_inbound() -> int:
    """Hand stored-but-unhandled messages to reprocess_inbound (the row lock keeps a late
    first try and this one from both acting); the answer then goes out by the outbox."""
    from bot.inbox import REPROCESS_RETRY
    from store import inbound
    svc = services()
    with svc.db.sessions() as session:
        ids = inbound.stuck_ids(session, svc.now(), timedelta(minutes=1))
    for inbound_id in ids:
        svc.enqueue(reprocess_inbound, inbound_id, retry=REPROCESS_RETRY)
    return len(ids)


def reprocess_inbound(inbound_id: int) -> str:
    """Handle a stored message whose first handling failed; the reply goes out by the outbox."""
    from bot.inbox import process_stored
    return process_stored(services(), inbound_id)


def sweep_sla() -> int:
    """Escalate tickets whose clocks ran out, one batch per transaction until none is left."""
    from store import ladder
    svc = services()
    total = 0
    while True:
        with svc.changing() as session:
            done = ladder.sweep(session, svc.now())
        total += done
        if done == 0:
            return total


def close_and_revisit() -> dict:
    """Close resolved tickets left unrated for 72 h; ask low raters whether it is fixed now."""
    from store import tickets
    svc = services()
    with svc.changing() as session:
        closed = tickets.close_unrated(session, svc.now())
        visited = tickets.return_visits(
            session, svc.now(), after=timedelta(hours=svc.settings.return_visit_after_hours))
    return {"closed": closed, "visited": visited}
