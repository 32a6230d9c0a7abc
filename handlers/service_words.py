"""The terms of a service order as people type them: 2人 / 两人, 2小时 / 90分钟 / 半天,
明天上午9点 / 11月30日14:00 / 下午3点半. What is left is the order's note (地址, 找谁)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from store.service_orders import Terms
from store.vocab import CHINA

NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
            "九": 9, "十": 10}
NUMBER = r"\d{1,3}(?:\.\d)?|[一二两三四五六七八九十]"
PEOPLE = re.compile(rf"({NUMBER})\s*(?:个|位|名)?\s*(?:人|队员|志愿者)")
HOURS = re.compile(rf"({NUMBER}|半)\s*(?:个)?\s*(?:小时|钟头|h\b)")
MINUTES = re.compile(r"(\d{1,4})\s*(?:分钟|min\b)")
HALF_DAY = re.compile(r"半天")
WHOLE_DAY = re.compile(r"一天|全天")
DAY = r"(今天|明天|后天|(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?)"  # not 11/30: 3-2-201 is a room
PART = r"(上午|早上|早晨|中午|下午|晚上)"
CLOCK = r"(\d{1,2})\s*(?:[:：]\s*(\d{2})|[点时]\s*(半|\d{1,2})?\s*分?)"
MOMENT = re.compile(rf"{DAY}?\s*{PART}?\s*{CLOCK}|{DAY}\s*{PART}?")
TRIM = " \t,，.。;；:：、"


def number(text: str) -> float:
    return NUMERALS[text] if text in NUMERALS else float(text)


def terms(text: str, now: datetime) -> tuple[Terms, str]:
    """(the terms found, the words left); ValueError with a Chinese reason for a time that
    does not exist (2月30日, 25点)."""
    people = minutes = when = None
    rest = text
    if (match := PEOPLE.search(rest)) is not None:
        people, rest = int(number(match.group(1))), _cut(rest, match)
    if (match := HOURS.search(rest)) is not None:
        value = 0.5 if match.group(1) == "半" else number(match.group(1))
        minutes, rest = round(value * 60), _cut(rest, match)
    elif (match := MINUTES.search(rest)) is not None:
        minutes, rest = int(match.group(1)), _cut(rest, match)
    elif (match := HALF_DAY.search(rest)) is not None:
        minutes, rest = 240, _cut(rest, match)
    elif (match := WHOLE_DAY.search(rest)) is not None:
        minutes, rest = 480, _cut(rest, match)
    if (match := MOMENT.search(rest)) is not None:
        when, rest = moment(match, now), _cut(rest, match)
    return Terms(people=people, minutes=minutes, when=when), rest.strip(TRIM)


def moment(match: re.Match, now: datetime) -> datetime:
    day, month, date, part, hour, minute, half_or_minute, day2, month2, date2, part2 = \
        match.groups()
    local = now.astimezone(CHINA)
    day, month, date, part = day or day2, month or month2, date or date2, part or part2
    if hour is None:
        hour, minutes = {"下午": 14, "晚上": 19, "中午": 12}.get(part, 9), 0
    else:
        hour = int(hour)
        minutes = int(minute) if minute else (30 if half_or_minute == "半" else
                                              int(half_or_minute or 0))
        if part in ("下午", "晚上") and hour < 12 or part == "中午" and hour < 3:
            hour += 12
    if not (0 <= hour <= 23 and 0 <= minutes <= 59):
        raise ValueError("时间不对，请写成“明天上午9点”或“11月30日14:00”")
    try:
        if day in ("今天", "明天", "后天"):
            base = local.date() + timedelta(days=("今天", "明天", "后天").index(day))
        elif month:
            base = local.date().replace(month=int(month), day=int(date))
            if base < local.date() - timedelta(days=1):
                base = base.replace(year=base.year + 1)
        else:
            base = local.date()
        found = datetime(base.year, base.month, base.day, hour, minutes, tzinfo=CHINA)
    except ValueError:
        raise ValueError("日期不对，请写成“明天上午9点”或“11月30日14:00”") from None
    if day is None and not month and found < local:
        found += timedelta(days=1)  # "9点" said in the afternoon means tomorrow's
    return found


def _cut(text: str, match: re.Match) -> str:
    return (text[:match.start()] + " " + text[match.end():]).strip()
