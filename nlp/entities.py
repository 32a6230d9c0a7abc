"""Entities in a message: phone numbers, addresses (小区/路/号/栋/单元/室) and times.

Regular expressions over the normalized text (full-width digits are already half-width).
"""
from __future__ import annotations

import re

from nlp.lexicon import compile_starting, first_literals, trie_pattern

_PHONE = compile_starting(   # [+810]: the characters a number can start with
    r"(?=[+810])(?<![\d])(?:\+?86[- ]?)?(1[3-9]\d(?:[- ]?\d{4}){2}|0\d{2,3}-?\d{7,8})(?![\d])", "[+810]")


def _letters_except(excluded: str) -> str:
    """One character class: a Chinese character (U+4E00-U+9FA5) or a Latin letter, except the
    excluded ones: the characters a negative lookahead followed by that class would accept, but
    tested in one step instead of two (the address expression tests it at every position)."""
    spans = []
    for low, high in ((ord("A"), ord("Z")), (ord("a"), ord("z")), (0x4E00, 0x9FA5)):
        start = low
        for code in sorted({ord(c) for c in excluded if low <= ord(c) <= high}):
            if code > start:
                spans.append((start, code - 1))
            start = code + 1
        if start <= high:
            spans.append((start, high))
    return "[" + "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in spans) + "]"


_CN = "一二三四五六七八九十百零两"
# A character of a place's name: not a particle, pronoun, common verb or a word of position.
_NAME = _letters_except("的了在是我你他她们这那有和与及到从把被就都也还又很个对给说要想去来吗呢吧啊住家门口旁边"
                        "附近里面前后上下中内外对面楼")
_PLACE = r"(?:小区|花园|家园|公寓|大厦|社区|新村|新城|苑|华庭|广场|村|庄|园区|商城|中心|大院|宿舍|家属院|家属楼)"
_STREET = r"(?:路|街|大街|大道|巷|胡同|弄|道)"
_UNIT_WORD = "(?:号楼|号院|栋|幢|座|单元|楼|层|室|号|户|期|区|组)"
_UNIT = rf"(?:[A-Za-z]?\d+|[{_CN}]+)[-—]?{_UNIT_WORD}"
_ADDRESS = re.compile(
    rf"(?:{_NAME}{{2,8}}?{_STREET}(?:\d+(?:号|弄))?)?{_NAME}{{2,8}}?{_PLACE}(?:{_UNIT}|\d+(?:-\d+){{1,2}})*"
    rf"|{_NAME}{{2,8}}?{_STREET}(?:\d+(?:号|弄))(?:{_UNIT})*"
    rf"|(?:{_UNIT}){{2,}}"
    rf"|\d+-\d+-\d+")

_DAY = r"(?:今天|昨天|前天|明天|后天|大前天|今早|今晚|昨晚|昨夜|今夜|明早|明晚|今年|去年|前年|明年|上周[一二三四五六日天]?|下周[一二三四五六日天]?|本周[一二三四五六日天]?|这周[一二三四五六日天]?|周[一二三四五六日天末]|星期[一二三四五六日天]|礼拜[一二三四五六日天])"
_PART = r"(?:凌晨|清晨|早上|早晨|上午|中午|下午|傍晚|晚上|半夜|深夜|夜里|夜间|白天)"
_DAY_WORDS = first_literals(_DAY, limit=4096, optional=True) | first_literals(_PART)
_CLOCK = rf"(?:\d{{1,2}}|[{_CN}]{{1,3}})(?:点|时)(?:\d{{1,2}}分|半|多|钟|左右)?|\d{{1,2}}:\d{{2}}"
_SPAN = "(?:个)?(?:多)?(?:天|周|星期|礼拜|个月|月|年|小时)(?:多)?了"
# every time starts with a digit, a numeral, 几/半 or a day word's first character: the search
# passes over any other position in one test
_TIME_FIRST = rf"[\d{_CN}几半{''.join(sorted({word[0] for word in _DAY_WORDS}))}]"
_TIME = compile_starting(
    rf"(?={_TIME_FIRST})(?:"
    rf"\d{{4}}年(?:\d{{1,2}}月)?(?:\d{{1,2}}[日号])?(?:{_PART}(?:{_CLOCK})?|{_CLOCK})?"
    rf"|\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}(?: ?\d{{1,2}}:\d{{2}})?"
    rf"|\d{{1,2}}月(?:\d{{1,2}}|[{_CN}]{{1,3}})[日号](?:{_PART}(?:{_CLOCK})?|{_CLOCK})?"
    rf"|{_DAY}{_PART}?(?:{_CLOCK})?"
    rf"|{_PART}(?:{_CLOCK})?"
    rf"|{_CLOCK}"
    rf"|(?:\d+|[{_CN}几半]+){_SPAN})", _TIME_FIRST)


# Cheap look-outs: the full expressions run only when a text holds what every one of their
# matches must hold (most messages hold none, and the full expressions are the costly ones).
# Each alternative of a look-out starts with a literal or a character class, which the regex
# engine rejects in one step at a position where it cannot start.
_DIGIT = re.compile(r"\d")
# _ADDRESS: a place word, a street right before a number, two units in a row, or 1-2-3.
# Each look-out sits behind a lookahead of the characters its alternatives start with, which
# passes over any other position in one test (the look-outs cost more than the full
# expressions did on the bench messages).
_PLACE_WORDS = first_literals(_PLACE)
_ADDRESS_FIRST = rf"[\d路街道巷同弄{_CN}{''.join(sorted({word[0] for word in _PLACE_WORDS}))}]"
_ADDRESS_HINT = compile_starting(
    rf"(?={_ADDRESS_FIRST})(?:"
    rf"{trie_pattern(_PLACE_WORDS)}|[路街道巷同弄]\d"   # the last characters of _STREET
    rf"|\d[-—]?{_UNIT_WORD}{_UNIT}|[{_CN}]+[-—]?{_UNIT_WORD}{_UNIT}|\d-\d+-\d)", _ADDRESS_FIRST)
# _TIME: a year, month, clock time or date written with digits, a day or part of the day, a
# clock hour in numerals, or a span that has passed (三天了).
_TIME_HINT = compile_starting(
    rf"(?={_TIME_FIRST})(?:"
    rf"\d(?:[年月:点时]|[-/.]\d|{_SPAN})|[{_CN}][点时]|[{_CN}几半]{_SPAN}"
    rf"|{trie_pattern(_DAY_WORDS)})", _TIME_FIRST)


def _dedupe(items):
    return list(dict.fromkeys(filter(None, items)))


def extract(text: str) -> dict:
    """Return {"phones": [...], "addresses": [...], "times": [...]} found in the text."""
    if not text:
        return {"phones": [], "addresses": [], "times": []}
    # findall gives what m.group(1) (_PHONE) and m.group() (the others: no group) would, in C;
    # most texts hold none of them, and an empty list needs no dedupe
    phones = _PHONE.findall(text) if _DIGIT.search(text) is not None else None
    phones = _dedupe([number.replace(" ", "").replace("-", "") if number[0] == "1" else number
                      for number in phones]) if phones else []
    # Phone numbers are not addresses or times: blank them before looking further.
    rest = _PHONE.sub(" ", text) if phones else text
    addresses = _ADDRESS.findall(rest) if _ADDRESS_HINT.search(rest) else None
    times = _TIME.findall(rest) if _TIME_HINT.search(rest) else None
    addresses = _dedupe(addresses) if addresses else []
    times = _dedupe(times) if times else []
    return {"phones": phones, "addresses": addresses, "times": times}
