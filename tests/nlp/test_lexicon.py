"""The data files load, are consistent, and bad lines are reported with file and line."""
import pytest

from nlp import lexicon
from nlp.lexicon import DOMAINS, LexiconError, first_literals, lexicons, trie_pattern
import re

DEPARTMENTS = {"城管", "住建", "生态环境", "交通运输", "交警", "公安", "人社", "教育", "卫健", "民政",
               "市场监管", "文旅", "应急管理/消防", "水电气", "自然资源", "农业农村", "政务服务",
               "街道/社区"}


def test_categories_use_the_twelve_domains_and_known_departments():
    lex = lexicons()
    assert 30 <= len(lex.categories) <= 45
    assert {c.department for c in lex.categories} <= DEPARTMENTS
    assert {c.domain for c in lex.categories} | {"其他"} == set(DOMAINS)


def test_bad_line_names_file_and_line(tmp_path, monkeypatch):
    (tmp_path / "kinds.tsv").write_text("# comment\n投诉\tcomplaint\n", encoding="utf-8")
    monkeypatch.setattr(lexicon, "DATA", tmp_path)
    with pytest.raises(LexiconError, match="kinds.tsv:2"):
        list(lexicon.rows("kinds.tsv", 3))


def test_trie_pattern_prefers_the_longest_word():
    pattern = re.compile(trie_pattern(["垃圾", "垃圾桶", "桶"]))
    assert pattern.findall("垃圾桶满了，垃圾") == ["垃圾桶", "垃圾"]


def test_first_literals():
    assert first_literals("(是否|能否).{0,3}[？?]") == {"是否", "能否"}
    assert first_literals("问一下|问下") == {"问一下", "问下"}
    assert first_literals(".{0,3}吗") is None


def test_every_kind_pattern_is_gated_or_always_run():
    for pattern, kind, weight, starts in lexicons().kind_patterns:
        if starts is not None:
            assert all(s for s in starts)
