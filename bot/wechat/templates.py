"""Template messages as a phone shows them since 2023-05-04.

WeChat no longer shows a template's `first` and `remark` lines, shows a historical
template's keyword only up to 20 characters and its first line break, and refuses (47003) a
category-library value that does not fit its parameter type (公众号 模板消息接口,
"类目模板消息参数值内容限制"). So the fields WeChat shows carry what the reader needs, each
value is fitted to its key's type here, before sending, and the `url` carries the rest.

Which key carries what is configured per template (WECHAT_TEMPLATE_<NAME>_KEYS), in the
template's order: "character_string1:工单号,thing2:类型,thing3:网格,time4:时限,thing5:下一步".
The names are a notice's values (store.notices.template_values).
"""
from __future__ import annotations

import re
from datetime import datetime

from store.notices import template_values
from store.vocab import CHINA

# Characters WeChat allows per parameter type (thing 20; character_string 32; phrase 5 Chinese
# characters; ...). A historical template's keyword shows 20.
LIMITS = {"thing": 20, "character_string": 32, "number": 32, "letter": 32, "symbol": 5,
          "phrase": 5, "phone_number": 17, "car_number": 8, "name": 10, "const": 20,
          "keyword": 20}
HAN = re.compile(r"[\u4e00-\u9fff]")
MOMENT = re.compile(r"(\d{4}[年/-]\d{1,2}[月/-]\d{1,2}日?\s*)?\d{1,2}:\d{2}")
TRAILING = "。．.，,；; "


class KeysError(ValueError):
    """A WECHAT_TEMPLATE_*_KEYS setting that cannot be read."""


def parse_keys(setting: str) -> list[tuple[str, str]]:
    """"character_string1:工单号,thing2:类型" → [("character_string1", "工单号"), ...]."""
    keys = []
    for part in (p.strip() for p in setting.replace("，", ",").split(",")):
        if not part:
            continue
        key, sep, name = (s.strip() for s in part.replace("：", ":").partition(":"))
        if not sep or not re.fullmatch(r"[a-z_]+\d*", key) or not name:
            raise KeysError(f"cannot read {part!r}: write key:name, e.g. thing2:类型")
        keys.append((key, name))
    return keys


def key_type(key: str) -> str:
    return re.sub(r"\d+$", "", key)


def _kept(pattern: str, text: str, empty: str) -> str:
    return "".join(re.findall(pattern, text)) or empty


# What each type keeps of a value (the rest WeChat would refuse), and what stands for nothing.
KEEP = {"character_string": (r"[^\u4e00-\u9fff\s]", "-"),
        "phrase": (r"[\u4e00-\u9fff]", "处理中"),
        "letter": (r"[A-Za-z]", "NA"),
        "symbol": (r"[^\u4e00-\u9fffA-Za-z0-9\s]", "-"),
        "phone_number": (r"[\d+\-() ]", "-"),
        "name": (r"[\u4e00-\u9fff·]", "")}


def fit(key: str, value: str, now: datetime) -> str:
    """The value as WeChat will take and show it for this key, cut by WeChat's counting."""
    kind = key_type(key)
    text = " ".join(str(value or "").split())  # a line break ends what WeChat shows
    if kind in KEEP:
        pattern, empty = KEEP[kind]
        text = _kept(pattern, text, empty).strip() or empty
        if kind == "name" and not text:
            text = _kept(r"[A-Za-z]", str(value or ""), "")[:20] or "居民"
    elif kind in ("time", "date"):
        match = MOMENT.search(text)
        text = match.group(0) if match else now.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    elif kind in ("number", "amount"):
        match = re.search(r"\d{1,12}(\.\d+)?", text)
        text = match.group(0) if match else "0"
    elif not text:
        text = "-"
    limit = 20 if kind == "name" and not HAN.search(text) else LIMITS.get(kind)
    if limit and len(text) > limit:
        stripped = text.rstrip(TRAILING)
        if len(stripped) <= limit:
            text = stripped
        elif kind in ("thing", "const", "keyword"):
            text = stripped[:limit - 1] + "…"
        else:
            text = stripped[:limit].strip() or text[:limit]
    return text


def template_name(payload: dict) -> str:
    """ticket (staff) or progress (residents; a plain reply too)."""
    return payload.get("template", "progress" if "fields" not in payload else "ticket")


def template_id(settings, payload: dict) -> str:
    """The template configured for this kind of notice (WECHAT_TEMPLATE_<KIND>), or ''."""
    return getattr(settings, f"wechat_template_{template_name(payload)}", "")


def template_fields(settings, payload: dict, now: datetime) -> list[tuple[str, str, str]]:
    """(key, value name, fitted value) for each key configured for the notice's template."""
    keys = parse_keys(getattr(settings, f"wechat_template_{template_name(payload)}_keys"))
    values = template_values(payload)
    return [(key, name, fit(key, values.get(name, ""), now)) for key, name in keys]
