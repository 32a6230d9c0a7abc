"""Settings, all from environment variables (each one is in the README's table)."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path

from store.sla import Clock, SlaPolicy

# The demo account's callback settings: printed by `make run` and written in the README.
DEMO_TOKEN = "griddesk"
DEMO_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
DEMO_APP_ID = "wx5a3c0d9b1e2f4a68"
EMBEDDED_REDIS_PORT = 6479
# A category-library work-order template (工单编号 / 工单类型 / 所在网格 / 处理时限 / 办理提示)
# and a progress template (工单编号 / 处理进度 / 进度说明 / 温馨提示); see the README.
TICKET_KEYS = "character_string1:工单号,thing2:类型,thing3:网格,time4:时限,thing5:下一步"
PROGRESS_KEYS = "character_string1:工单号,phrase2:进度,thing3:说明,thing4:下一步"


def instance_dir() -> Path:
    return Path(os.environ.get("GRIDDESK_INSTANCE", Path.cwd() / "instance")).resolve()


def _secret_key() -> str:
    """A stable key for local runs: kept in instance/ so sessions survive a restart."""
    path = instance_dir() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    wechat_token: str = DEMO_TOKEN
    wechat_encoding_aes_key: str = DEMO_AES_KEY
    wechat_app_id: str = DEMO_APP_ID
    wechat_app_secret: str = ""
    wechat_api_base_url: str = "https://api.weixin.qq.com/cgi-bin/"
    wechat_template_ticket: str = ""
    wechat_template_progress: str = ""
    # Which key of each template shows which value, in the template's order (bot/templates.py).
    wechat_template_ticket_keys: str = TICKET_KEYS
    wechat_template_progress_keys: str = PROGRESS_KEYS
    public_base_url: str = ""  # https://griddesk.example.gov.cn: absolute links in templates
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = ""
    port: int = 8000
    queue_name: str = "griddesk"
    poster_font: str = ""  # a CJK font file for grid posters; empty: an installed one
    locate_nearest_meters: int = 3000  # a point outside every grid: nearest centre within
    open311_read_needs_key: int = 0  # 1: Open311 GETs need an api_key too
    sla_accept_minutes: int = 15
    sla_reply_minutes: int = 30
    sla_resolve_hours: int = 24
    sla_emergency_accept_minutes: int = 5
    sla_emergency_reply_minutes: int = 10
    sla_emergency_resolve_hours: int = 2
    outbox_requeue_after_seconds: int = 60
    flood_limit_per_minute: int = 20  # per resident; beyond it messages are kept, no tickets
    return_visit_after_hours: int = 24
    console_session_hours: int = 12
    console_idle_minutes: int = 120
    secure_cookies: int = 0  # 1 behind HTTPS: console cookies are sent over HTTPS only
    simulator: str = "auto"  # auto: on with the local transport (the demo), off with WeChat
    extra: dict = field(default_factory=dict)  # Flask config overrides (tests)

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f.name.upper())
            if raw is not None and raw != "" and f.name != "extra":
                values[f.name] = int(raw) if f.type == "int" else raw
        values.update(overrides)
        settings = cls(**values)
        defaults = {}
        if not settings.database_url:
            defaults["database_url"] = f"sqlite:///{instance_dir() / 'griddesk.db'}"
        if not settings.redis_url:
            defaults["redis_url"] = f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"
        if not settings.secret_key:
            defaults["secret_key"] = _secret_key()
        settings = cls(**{**settings.__dict__, **defaults})
        settings.check_template_keys()
        return settings

    def check_template_keys(self) -> None:
        """A template key setting that cannot be read stops the start, naming the setting
        (else every template message would fail later)."""
        from bot.templates import KeysError, parse_keys
        for name in ("ticket", "progress"):
            try:
                parse_keys(getattr(self, f"wechat_template_{name}_keys"))
            except KeysError as error:
                raise ValueError(f"WECHAT_TEMPLATE_{name.upper()}_KEYS: {error}") from None

    @property
    def uses_real_wechat(self) -> bool:
        return bool(self.wechat_app_id and self.wechat_app_secret)

    @property
    def sla_policy(self) -> SlaPolicy:
        return SlaPolicy(
            normal=Clock(timedelta(minutes=self.sla_accept_minutes),
                         timedelta(minutes=self.sla_reply_minutes),
                         timedelta(hours=self.sla_resolve_hours)),
            emergency=Clock(timedelta(minutes=self.sla_emergency_accept_minutes),
                            timedelta(minutes=self.sla_emergency_reply_minutes),
                            timedelta(hours=self.sla_emergency_resolve_hours)))
