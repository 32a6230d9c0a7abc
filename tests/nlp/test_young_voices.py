"""Session 14 (danger25): young people and children writing to the account (heldback25), read by
the keywords alone, in words that are not the slice's own: internet words for suicide and a
goodbye with despair, pills by the handful, a child's typos and pinyin for 叫不醒, being followed,
a fee before a payout, a group that is one short; and the slang, games, dramas and homework
figures of speech that only look like a danger."""
from __future__ import annotations

import pytest

import nlp


@pytest.fixture
def keywords_only(monkeypatch):
    from nlp import danger
    monkeypatch.setattr(danger, "_net", [danger.EMPTY])


@pytest.mark.parametrize("text,call,category", [
    ("有个学妹说她想紫砂 人在实验楼顶上", "120", "suicide"),
    ("最近被网暴 好累 这是最后一夜了 谢谢你们陪我走到这", "120", "suicide"),
    ("表哥在酒吧嗑了好多药丸 现在站不住", "120", "poisoning"),
    ("ye ye jiao bu xing", "120", "unconscious"),
    ("奶奶到在地上 我叫她叫不行", "120", "unconscious"),
    ("弟弟骑车摔了 胳膊骨头都露出来了", "120", "fall"),
    ("放学有个大叔跟了我好几条街 我现在躲在奶茶店里", "110", "distress"),
    ("游戏客服说不交就冻结账号 让我弟交解冻费 已经转了五百", "110", "fraud"),
    ("他拿照片威胁我 说不给钱就发到班级群", "110", "fraud"),
    ("食堂后面那根路灯杆一摸就麻 几个小孩在那玩", "119", "live_wire"),
    ("夏令营点名少了一个孩子 到处都找了", "110", "missing_child"),
])
def test_young_peoples_words_for_a_danger_are_an_emergency(keywords_only, text, call, category):
    result = nlp.classify(text)
    assert result.urgency == "emergency", result.keywords["urgency"]
    assert (result.emergency["call"], result.emergency["category"]) == (call, category)


@pytest.mark.parametrize("text", [
    "狼人杀又被女巫毒死了 气死",                        # a party game
    "这次月考被一道数学题困住了 出不来",                # a figure of speech
    "期中考试周 整个人像被卡车撞过一样",                # a likeness
    "看热搜说外地有个工地塌了 我们这的工地安全吗",      # a trending post elsewhere
    "表姐说她快生了 下个月去医院 社区有月嫂推荐吗",     # a birth next month
    "我妹离家出走 其实就是去同学家住了 已经回来了",     # over
    "作业多得要把我埋了 谁来救救我",                    # homework
])
def test_slang_games_and_homework_are_no_emergency(keywords_only, text):
    result = nlp.classify(text)
    assert result.urgency != "emergency", result.keywords["urgency"]
