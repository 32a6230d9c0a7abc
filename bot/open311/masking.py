"""What the public may read of a ticket: personal data masked out of any text or point.

Open311 reads opened to the public (OPEN311_READ_NEEDS_KEY=0, no api_key) go through this:
phone and ID numbers, names and house (room) numbers are replaced, coordinates rounded to
about 100 m, and characters XML cannot carry are dropped.
"""
from __future__ import annotations

import re

_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# \d is any digit, full-width ones too; separators as people type them.
_SEP = r"[-－ .　]?"
_PHONE = re.compile(rf"(?<!\d)(?:(?:[+＋]?[8８][6６]{_SEP})?[1１][3-9３-９]\d(?:{_SEP}\d{{4}}){{2}}"
                    rf"|[(（]?[0０]\d{{2,3}}[)）]?{_SEP}\d{{3,4}}{_SEP}\d{{4}}|\d{{7,8}})(?!\d)")
# A person's name after the words that introduce one, or a surname before a form of address.
_NAME_AFTER = re.compile(r"(我叫|我姓|联系人|姓名|网格员|网格长|书记|主任|社工)([:：]?\s*)"
                         r"[\u4e00-\u9fa5]{2}(?:[\u4e00-\u9fa5](?=[，。,.;；!！?？\s（(]|$))?")
_NAME_BEFORE = re.compile(r"[\u4e00-\u9fa5](先生|女士|小姐|阿姨|大爷|大妈|大姐|老师|师傅)")
# Room numbers: 501室 / 3-2-501 / 2单元501.
_ROOM = re.compile(r"(?:\d+|[一二三四五六七八九十百零]+)(室|户|号房)"
                   r"|(\d+-\d+-)\d+|(单元|栋|幢|号楼)\s*\d{3,4}(?!\d)")
# Control characters (and U+FFFE/FFFF) are not allowed in XML 1.0 at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
COORDINATE_DIGITS = 3  # 0.001° of latitude is about 111 m


def _room(match: re.Match) -> str:
    if match.group(1):
        return "**" + match.group(1)
    if match.group(2):
        return match.group(2) + "**"
    return match.group(3) + "**"


def mask_text(text: str | None) -> str | None:
    if not text:
        return text
    text = _ID_NUMBER.sub("[证件号]", text)
    text = _PHONE.sub("[电话]", text)
    text = _NAME_AFTER.sub(lambda m: m.group(1) + m.group(2) + "某某", text)
    text = _NAME_BEFORE.sub(lambda m: "某" + m.group(1), text)
    return _ROOM.sub(_room, text)


def round_coordinate(value: float | None) -> float | None:
    return None if value is None else round(value, COORDINATE_DIGITS)


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)
