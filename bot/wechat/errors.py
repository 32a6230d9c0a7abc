"""What WeChat's answers mean for GridDesk (公众号 全局返回码说明), and the alerts only an
admin can act on. Used by the delivery jobs; shown on 发送异常 and 上线检查."""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta

from wechatpy.exceptions import WeChatClientException

from store.vocab import CHINA

log = logging.getLogger(__name__)
UNREACHABLE_REASONS = {43004: "unsubscribed", 40003: "invalid_openid"}  # mark, stop
UNREACHABLE_CODES = {reason: code for code, reason in UNREACHABLE_REASONS.items()}
NOT_AUTHORISED = 48001  # this account may not call the API: alert, stop retrying
NOT_WHITELISTED = 40164  # this server's IP is not in the whitelist: alert, pause
BAD_REQUEST = frozenset({47003, 40037, 40130})  # a value, template id or list WeChat refuses
GIVE_UP = frozenset({*UNREACHABLE_REASONS, NOT_AUTHORISED, *BAD_REQUEST})
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


def deferred(svc) -> bool:
    """Sending waits: the day's quota is used up (45009), or this server is not
    whitelisted (40164); the clock's requeue starts it again."""
    return bool(svc.redis.exists(quota_key(svc), pause_key(svc)))


def raise_alert(svc, code: int, text: str) -> None:
    """Tell the admins (the 发送异常 page and 上线检查 show it) and the log."""
    log.error("WeChat %s: %s", code, text)
    svc.redis.hset(alerts_key(svc), str(code), json.dumps(
        {"text": text, "at": svc.now().isoformat()}, ensure_ascii=False))


def current_alerts(svc) -> list[dict]:
    return [{"code": int(code), **json.loads(value)}
            for code, value in sorted(svc.redis.hgetall(alerts_key(svc)).items())]


def dismiss_alert(svc, code: int) -> None:
    svc.redis.hdel(alerts_key(svc), str(code))


def account_problem(svc, error: WeChatClientException) -> bool:
    """40164 / 48001: the account or this server must be fixed by an admin, who is told;
    40164 also pauses sending (every call would fail). True when it was one of them."""
    if error.errcode == NOT_WHITELISTED:
        svc.redis.set(pause_key(svc), 1, ex=WHITELIST_PAUSE_SECONDS)
        raise_alert(svc, error.errcode,
                    f"本服务器 IP {server_address(error)} 不在公众号的 IP 白名单中，请在公众平台"
                    f"“设置与开发 → 基本配置 → IP白名单”中加入；消息暂停发送，加入后自动继续。")
        return True
    if error.errcode == NOT_AUTHORISED:
        raise_alert(svc, error.errcode,
                    "公众号没有该接口的权限（48001），消息不再重试。请确认账号为已认证的服务号，"
                    "并已开通模板消息、客服消息和群发接口。")
        return True
    return False


def server_address(error: WeChatClientException) -> str:
    """The address WeChat saw this server call from: its 40164 answer names it."""
    found = re.search(r"invalid ip ([0-9A-Fa-f.:]+)", error.errmsg or "")
    return found.group(1) if found else "（未知）"
