"""What reads as a request for a service, and the fail-safe: an emergency never does, not
even with a service asked for in the same breath, nor right after the menu's 办服务."""
from datetime import datetime, timezone

import pytest

from handlers.service import service_asked
from handlers.service_words import terms
from nlp import classify
from nlp.corpus import CORPUS, read_tsv
from nlp.service import service_words

ASKS = ("，能不能派人帮忙陪同就医", "，我腿脚不便，帮我代办一下医保", "。家里老人独居，没人帮忙修")


def asked(text: str, awaited: bool = False):
    found = service_asked(classify(text), service_words(text), awaited)
    return found.kind if found else None


@pytest.mark.parametrize("text, kind", [
    ("我母亲腿脚不便，想请人帮忙代办医保报销手续", "paperwork"),
    ("社区能代办社保资格认证吗", "paperwork"),
    ("想请人陪我去医院复查，我腿脚不方便", "escort"),
    ("我一个人住，腿脚不便，家里水管坏了没人帮忙修", "repair"),
    ("楼道灯坏了，帮忙修一下", None),  # the estate's: a ticket for the grid
    ("代办点乱收费，太坑了", None),  # a complaint about an agency
    ("医保怎么报销", None),  # a question the FAQ answers
])
def test_what_reads_as_a_service(text, kind):
    assert asked(text) == kind


def test_no_recognised_emergency_is_a_service_whatever_is_asked_with_it():
    emergencies = [row[0] for name in ("emergencies.tsv", "heldback_emergencies.tsv")
                   for row in read_tsv(CORPUS / name, 4)]
    checked = 0
    for text in emergencies:
        if classify(text).urgency != "emergency":
            continue  # the classifier's misses are its own figures (nlp/README.md)
        for ask in ASKS:
            assert asked(text + ask, awaited=True) is None, text + ask
            checked += 1
    assert checked > 1500


def test_terms_as_typed():
    now = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # 09:00 in China
    found, rest = terms("两人 半天 明天上午9点半 幸福小区3-2-201 王奶奶", now)
    assert (found.people, found.minutes, rest) == (2, 240, "幸福小区3-2-201 王奶奶")
    assert found.when.isoformat() == "2026-11-24T09:30:00+08:00"
    found, _ = terms("下午3点 1.5小时", now)
    assert (found.when.hour, found.when.day, found.minutes) == (15, 23, 90)
    found, _ = terms("8点", now)  # said after 8 o'clock: tomorrow's
    assert found.when.day == 24
    with pytest.raises(ValueError, match="日期不对"):
        terms("2月30日", now)
