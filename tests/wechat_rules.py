"""WeChat's sending rules as the fake WeChat API enforces them, written from WeChat's own
documents (not from GridDesk's code, so a mistake there shows here):

- Template messages since 2023-05-04 (《关于规范公众号模板消息的再次公告》): `first` and
  `remark` are no longer shown (WeChat filters them out); a historical template's keyword is
  shown up to 20 characters and only up to its first line break. Category-library templates
  check each value against its parameter type and refuse the message (47003, "argument
  invalid! data.<key>.value invalid") when it does not fit: thing ≤20 characters;
  character_string ≤32 digits/letters/symbols; number ≤32 digits; letter ≤32 letters;
  symbol ≤5 symbols; phrase ≤5 Chinese characters only; time / date a 24-hour time or a date
  (a range joined by "~"); amount a currency sign + digits (+元); phone_number ≤17 digits and
  symbols; car_number ≤8; name ≤10 Chinese characters or ≤20 letters; const ≤20.
- Customer-service messages since 2023-06-12: 5 within 48 hours after a user's message, 3
  within 1 minute after a menu click, a follow or a QR scan; a new action renews its own
  allowance, the two do not add up; outside every window 45015, over the count 45047.
- message/mass/send: 2 to 10,000 openids a call (40130 otherwise); the same clientmsgid again
  → 45065 with the first job's msg_id; a service account's follower receives at most 4 mass
  messages a natural month, the rest are filtered; WeChat reports each job later with the
  MASSSENDJOBFINISH event (TotalCount, FilterCount = left after filtering, SentCount,
  ErrorCount).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))
MESSAGE_WINDOW, MESSAGE_QUOTA = timedelta(hours=48), 5
EVENT_WINDOW, EVENT_QUOTA = timedelta(minutes=1), 3
MASS_PER_MONTH = 4
MASS_MIN, MASS_MAX = 2, 10_000
LEGACY_SHOWN = 20  # characters of a historical template's keyword that a phone shows

_HAN = r"\u4e00-\u9fff"
_TIME = r"\d{1,2}:\d{2}(:\d{2})?"
_DATE = r"\d{4}[年/-]\d{1,2}[月/-]\d{1,2}日?"
_MOMENT = rf"({_DATE}\s*)?{_TIME}|{_DATE}(\s*{_TIME})?"
RULES = {  # parameter type → what WeChat accepts as its value
    "thing": lambda v: 0 < len(v) <= 20 and "\n" not in v,
    "character_string": lambda v: 0 < len(v) <= 32 and re.fullmatch(rf"[^{_HAN}\s]+", v),
    "number": lambda v: 0 < len(v) <= 32 and re.fullmatch(r"\d+(\.\d+)?", v),
    "letter": lambda v: 0 < len(v) <= 32 and re.fullmatch(r"[A-Za-z]+", v),
    "symbol": lambda v: 0 < len(v) <= 5 and re.fullmatch(rf"[^{_HAN}A-Za-z0-9\s]+", v),
    "phrase": lambda v: 0 < len(v) <= 5 and re.fullmatch(rf"[{_HAN}]+", v),
    "time": lambda v: re.fullmatch(rf"({_MOMENT})(\s*~\s*({_MOMENT}))?", v),
    "date": lambda v: re.fullmatch(rf"({_MOMENT})(\s*~\s*({_MOMENT}))?", v),
    "amount": lambda v: re.fullmatch(r"[¥$€£]?\d{1,12}(\.\d+)?元?", v),
    "phone_number": lambda v: 0 < len(v) <= 17 and re.fullmatch(r"[\d+\-() ]+", v),
    "car_number": lambda v: 0 < len(v) <= 8,
    "name": lambda v: (0 < len(v) <= 10 and re.fullmatch(rf"[{_HAN}·]+", v)) or (
        0 < len(v) <= 20 and re.fullmatch(r"[A-Za-z .·-]+", v)),
    "const": lambda v: len(v) <= 20,
}
LEGACY = ("first", "keyword", "remark")


def key_type(key: str) -> str:
    """thing2 → thing; character_string1 → character_string; keyword3 → keyword."""
    return re.sub(r"\d+$", "", key)


def template_keys(content: str) -> list[tuple[str, str]]:
    """(label, key) per line of a template's content, e.g. ("工单编号", "character_string1")."""
    return [(label.strip().rstrip("：:"), key) for label, key
            in re.findall(r"([^\n{}]*)\{\{(\w+)\.DATA\}\}", content)]


def refused_value(key: str, value: str) -> bool:
    """A category-library value WeChat refuses (47003); historical keys are never refused."""
    kind = key_type(key)
    if kind in LEGACY:
        return False
    rule = RULES.get(kind)
    return rule is None or not rule(value)


def shown_value(key: str, value: str) -> str | None:
    """What a phone shows of one value: None for first/remark (not shown since 2023-05-04)."""
    kind = key_type(key)
    if kind in ("first", "remark"):
        return None
    if kind == "keyword":
        return value.split("\n", 1)[0][:LEGACY_SHOWN]
    return value


class Windows:
    """Customer-service windows and counts per openid, as WeChat keeps them."""

    def __init__(self):
        self.opened: dict[tuple[str, str], list] = {}  # (openid, kind) → [at, sends]

    def user_acted(self, openid: str, kind: str, at: datetime) -> None:
        """kind: message (the user wrote), or event (a click, follow or scan)."""
        self.opened[(openid, kind)] = [at, 0]

    def take(self, openid: str, now: datetime) -> int:
        """0 when a customer-service message may go now (and count it), else the errcode."""
        open_windows = []
        for kind, length, quota in (("event", EVENT_WINDOW, EVENT_QUOTA),
                                    ("message", MESSAGE_WINDOW, MESSAGE_QUOTA)):
            entry = self.opened.get((openid, kind))
            if entry and now - entry[0] < length:
                open_windows.append(entry)
                if entry[1] < quota:
                    entry[1] += 1
                    return 0
        return 45047 if open_windows else 45015


def china_month(at: datetime) -> str:
    return at.astimezone(CHINA).strftime("%Y%m")
