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
# Settings where an empty value means "none" rather than "the default": an account set up
# without an EncodingAESKey runs in plain mode (WECHAT_ENCODING_AES_KEY=).
EMPTY_IS_A_VALUE = {"wechat_encoding_aes_key"}
# A category-library work-order template (工单编号 / 工单类型 / 所在网格 / 处理时限 / 办理提示)
# and a progress template (工单编号 / 处理进度 / 进度说明 / 温馨提示); see the README.
TICKET_KEYS = "character_string1:工单号,thing2:类型,thing3:网格,time4:时限,thing5:下一步"
PROGRESS_KEYS = "character_string1:工单号,phrase2:进度,thing3:说明,thing4:下一步"


def embedded_redis_port() -> int:
    """The port `griddesk redis` serves on when REDIS_URL is unset (EMBEDDED_REDIS_PORT)."""
    return int(os.environ.get("EMBEDDED_REDIS_PORT") or 6479)


def instance_dir() -> Path:
    return Path(os.environ.get("GRIDDESK_INSTANCE", Path.cwd() / "instance")).resolve()


def private_instance_dir() -> Path:
    """instance/ holds the secret key, the SQLite file and Redis's: its owner's only (0700)."""
    folder = instance_dir()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def _secret_key() -> str:
    """A stable key for local runs: kept in instance/ so sessions survive a restart.

    Created 0600 (and an older, looser file tightened): whoever reads it can forge any
    console session, an admin's included.
    """
    path = private_instance_dir() / "secret_key"
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(32))
    path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    wechat_token: str = DEMO_TOKEN
    wechat_encoding_aes_key: str = DEMO_AES_KEY  # set to empty: plain mode (no key)
    wechat_app_id: str = DEMO_APP_ID
    wechat_app_secret: str = ""
    wechat_timestamp_tolerance_seconds: int = 300  # 0: not checked (replaying traffic)
    wechat_api_base_url: str = "https://api.weixin.qq.com/cgi-bin/"
    wechat_template_ticket: str = ""
    wechat_template_progress: str = ""
    # Which key of each template shows which value, in the template's order
    # (bot/wechat/templates.py).
    wechat_template_ticket_keys: str = TICKET_KEYS
    wechat_template_progress_keys: str = PROGRESS_KEYS
    public_base_url: str = ""  # https://griddesk.example.gov.cn: absolute links in templates
    # How long a phone page's link opens without WeChat's OAuth (the demo, the simulator),
    # and how long a browser stays proved after its last use of it.
    mobile_link_ttl_seconds: int = 3600
    wechat_oauth_base_url: str = "https://open.weixin.qq.com/connect/"  # 网页授权 (tests fake it)
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = ""
    port: int = 8000
    queue_name: str = "griddesk"
    poster_font: str = ""  # a CJK font file for grid posters; empty: an installed one
    locate_nearest_meters: int = 3000  # a point outside every grid: nearest centre within
    open311_read_needs_key: int = 1  # 0: Open311 GETs without an api_key, masked
    sla_accept_minutes: int = 15
    sla_reply_minutes: int = 30
    sla_resolve_hours: int = 24
    sla_emergency_accept_minutes: int = 5
    sla_emergency_reply_minutes: int = 10
    sla_emergency_resolve_hours: int = 2
    sla_night_waits: int = 1  # 0: a normal matter written at night is clocked at once
    outbox_requeue_after_seconds: int = 60
    flood_limit_per_minute: int = 20  # per resident; beyond it messages are kept, no tickets
    return_visit_after_hours: int = 24
    service_claim_hours: int = 2  # a service order not fully claimed by then goes up
    service_bar_visits: int = 2  # backing-unit staff: at least this many visits a month
    service_bar_hours: int = 4  # and at least this many hours a month
    console_session_hours: int = 12
    console_idle_minutes: int = 120
    secure_cookies: int = 0  # 1 behind HTTPS: console cookies are sent over HTTPS only
    log_format: str = "text"  # json: one JSON object a line (LOG_FORMAT)
    metrics_token: str = ""  # bearer token for /metrics; empty: only this machine may read it
    trusted_proxies: str = ""  # addresses/networks whose X-Forwarded-For is believed
    simulator: str = "auto"  # auto: on with the local transport (the demo), off with WeChat
    extra: dict = field(default_factory=dict)  # Flask config overrides (tests)

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        values = {}
        for f in fields(cls):
            raw = os.environ.get(f.name.upper())
            if raw is not None and (raw != "" or f.name in EMPTY_IS_A_VALUE) and \
                    f.name != "extra":
                values[f.name] = int(raw) if f.type == "int" else raw
        values.update(overrides)
        settings = cls(**values)
        defaults = {}
        if not settings.database_url:
            defaults["database_url"] = f"sqlite:///{private_instance_dir() / 'griddesk.db'}"
        if not settings.redis_url:
            defaults["redis_url"] = f"redis://127.0.0.1:{embedded_redis_port()}/0"
        if not settings.secret_key:
            defaults["secret_key"] = _secret_key()
        settings = cls(**{**settings.__dict__, **defaults})
        settings.check_template_keys()
        return settings

    def check_template_keys(self) -> None:
        """A template key setting that cannot be read stops the start, naming the setting
        (else every template message would fail later)."""
        from bot.wechat.templates import KeysError, parse_keys
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
                            timedelta(hours=self.sla_emergency_resolve_hours)),
            service_claim=timedelta(hours=self.service_claim_hours),
            night_waits=bool(self.sla_night_waits))
