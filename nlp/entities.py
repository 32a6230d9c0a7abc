"""Entities in a message: phone numbers, addresses (小区/路/号/栋/单元/室) and times.

Regular expressions over the normalized text (full-width digits are already half-width).
"""
from __future__ import annotations

import re

_PHONE = re.compile(
    r"(?<![\d])(?:\+?86[- ]?)?(1[3-9]\d(?:[- ]?\d{4}){2}|0\d{2,3}-?\d{7,8})(?![\d])")

_CN = "一二三四五六七八九十百零两"
_NAME = r"(?:(?![的了在是我你他她们这那有和与及到从把被就都也还又很个对给说要想去来吗呢吧啊住家门口旁边附近里面前后上下中内外对面楼])[\u4e00-\u9fa5A-Za-z])"
_PLACE = r"(?:小区|花园|家园|公寓|大厦|社区|新村|新城|苑|华庭|广场|村|庄|园区|商城|中心|大院|宿舍|家属院|家属楼)"
_STREET = r"(?:路|街|大街|大道|巷|胡同|弄|道)"
_UNIT = rf"(?:[A-Za-z]?\d+|[{_CN}]+)[-—]?(?:号楼|号院|栋|幢|座|单元|楼|层|室|号|户|期|区|组)"
_ADDRESS = re.compile(
    rf"(?:{_NAME}{{2,8}}?{_STREET}(?:\d+(?:号|弄))?)?{_NAME}{{2,8}}?{_PLACE}(?:{_UNIT}|\d+(?:-\d+){{1,2}})*"
    rf"|{_NAME}{{2,8}}?{_STREET}(?:\d+(?:号|弄))(?:{_UNIT})*"
    rf"|(?:{_UNIT}){{2,}}"
    rf"|\d+-\d+-\d+")

_DAY = r"(?:今天|昨天|前天|明天|后天|大前天|今早|今晚|昨晚|昨夜|今夜|明早|明晚|今年|去年|前年|明年|上周[一二三四五六日天]?|下周[一二三四五六日天]?|本周[一二三四五六日天]?|这周[一二三四五六日天]?|周[一二三四五六日天末]|星期[一二三四五六日天]|礼拜[一二三四五六日天])"
_PART = r"(?:凌晨|清晨|早上|早晨|上午|中午|下午|傍晚|晚上|半夜|深夜|夜里|夜间|白天)"
_CLOCK = rf"(?:\d{{1,2}}|[{_CN}]{{1,3}})(?:点|时)(?:\d{{1,2}}分|半|多|钟|左右)?|\d{{1,2}}:\d{{2}}"
_TIME = re.compile(
    rf"\d{{4}}年(?:\d{{1,2}}月)?(?:\d{{1,2}}[日号])?(?:{_PART}(?:{_CLOCK})?|{_CLOCK})?"
    rf"|\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}(?: ?\d{{1,2}}:\d{{2}})?"
    rf"|\d{{1,2}}月(?:\d{{1,2}}|[{_CN}]{{1,3}})[日号](?:{_PART}(?:{_CLOCK})?|{_CLOCK})?"
    rf"|{_DAY}{_PART}?(?:{_CLOCK})?"
    rf"|{_PART}(?:{_CLOCK})?"
    rf"|{_CLOCK}"
    rf"|(?:\d+|[{_CN}几半]+)(?:个)?(?:多)?(?:天|周|星期|礼拜|个月|月|年|小时)(?:多)?了")


# Cheap look-outs: the full expressions only run when a character they need is present.
_DIGIT = re.compile(r"\d")
_ADDRESS_HINT = re.compile(r"[区园寓厦苑庭场村庄城心院舍楼路街道巷同弄栋幢座元层室号户期组\d]")
_TIME_HINT = re.compile(r"[\d年月日号天晚早夜周星期拜凌晨午傍点时一二三四五六七八九十两几半]")


def _dedupe(items):
    return list(dict.fromkeys(item for item in items if item))


def extract(text: str) -> dict:
    """Return {"phones": [...], "addresses": [...], "times": [...]} found in the text."""
    if not text:
        return {"phones": [], "addresses": [], "times": []}
    digits = _DIGIT.search(text) is not None
    phones = [] if not digits else _dedupe(m.group(1).replace(" ", "").replace("-", "") if m.group(1)[0] == "1"
                     else m.group(1) for m in _PHONE.finditer(text))
    # Phone numbers are not addresses or times: blank them before looking further.
    rest = _PHONE.sub(" ", text) if phones else text
    addresses = _dedupe(m.group() for m in _ADDRESS.finditer(rest)) \
        if _ADDRESS_HINT.search(rest) else []
    times = _dedupe(m.group() for m in _TIME.finditer(rest)) if _TIME_HINT.search(rest) else []
    return {"phones": phones, "addresses": addresses, "times": times}
