"""A resident's words as someone outside the ticket may read them: before a volunteer takes a
service order they learn what is needed and roughly where, not who or which door.

Phone and ID numbers are hidden whole (a volunteer calls only once they have taken it), a person's name keeps its surname
(王秀英 → 王**), and a room number is dropped (3栋2单元501室 → 3栋2单元**室): enough to decide
whether to go, nothing to find the person by until one has said one will go."""
from __future__ import annotations

import re

from store.vocab import _WRITTEN_NUMBER

# The commonest surnames (they cover about 85% of people): a name is taken to start with one.
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"
            "蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段"
            "雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄"
            "聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲"
            "翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
            "娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑"
            "郎甄丛仲虞敖巩明佘池查麻苑迟邝")
HIDDEN = "[接单后可见]"
_HAN = r"[\u4e00-\u9fa5]"
# After the words that introduce a person: 我叫王秀英 / 联系人：刘建国 / 老人叫张桂兰.
_NAME_AFTER = re.compile(rf"(我叫|我姓|我是|名叫|叫做|姓名|联系人|老人叫|母亲叫|父亲叫|家属)"
                         rf"([:：]?\s*)([{SURNAMES}])({_HAN}{{1,2}})"
                         r"(?=[，。,.;；!！?？、\s（(的住在家]|$)")
# A surname and a given name before a form of address: 王秀英阿姨 / 张建国大爷.
_NAME_BEFORE = re.compile(rf"([{SURNAMES}])({_HAN}{{1,2}})"
                          r"(?=阿姨|大爷|大妈|奶奶|爷爷|先生|女士|大姐|大哥|婆婆|老伯|老师|师傅)")
# Room numbers: 501室 / 3-2-501 / 2单元501 / 3栋501 / 501号房.
_ROOM = re.compile(r"(?:\d+|[一二三四五六七八九十百零]+)(室|户|号房)"
                   r"|(\d+[-－]\d+[-－])\d+|(单元|栋|幢|号楼)\s*\d{3,4}(?!\d)")


def _room(match: re.Match) -> str:
    if match.group(1):
        return "**" + match.group(1)
    return (match.group(2) or match.group(3)) + "**"


def mask_person(text: str | None) -> str:
    """The words without whom and which door: phones, ID numbers, names, room numbers."""
    if not text:
        return text or ""
    text = _WRITTEN_NUMBER.sub(HIDDEN, text)
    text = _NAME_AFTER.sub(lambda m: m.group(1) + m.group(2) + m.group(3) + "**", text)
    text = _NAME_BEFORE.sub(lambda m: m.group(1) + "**", text)
    return _ROOM.sub(_room, text)


def rough_place(ticket) -> str:
    """Where an order is, at the level a volunteer decides by: the estate (小区) and the grid,
    never the building's door or the address the resident gave."""
    grid = ticket.grid.name if ticket.grid else ""
    estate = ticket.building.estate if ticket.building is not None else ""
    return " · ".join(part for part in (estate, grid) if part) or "待确认"


_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])([0-9０-９]{6})[0-9０-９]{8}([0-9０-９]{3}[0-9０-９Xx])"
                        r"(?![0-9A-Za-z])")


def mask_ids(text: str | None) -> str:
    """For a volunteer who took the order: the whole words but an ID number (330106********1234),
    which a visit never needs."""
    return _ID_NUMBER.sub(r"\1********\2", text or "")
