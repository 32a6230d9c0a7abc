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
    assert 30 <= len(lex.categories) <= 50
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


def test_first_literals_looks_through_an_optional_part_only_when_asked():
    assert first_literals("(关于|对)?(加强|优化)") is None
    assert first_literals("(关于|对)?(加强|优化)", optional=True) == {
        "关于加强", "关于优化", "对加强", "对优化", "加强", "优化"}


def test_only_a_pattern_opening_with_the_start_of_the_text_is_tried_once():
    assert lexicon.anchored("^(你好|您好)[!！]*$") and lexicon.anchored(r"\A谢谢")
    assert not lexicon.anchored("(?m)^你好")       # the start of any line
    assert not lexicon.anchored("^你好|谢谢")       # one alternative only
    assert not lexicon.anchored("(^你好)") and not lexicon.anchored("你好$")


def _sample_texts():
    from pathlib import Path

    from nlp.bench import MESSAGES
    texts = list(MESSAGES)
    for path in sorted((Path(lexicon.__file__).parent / "corpus").glob("*.tsv")):
        texts += [line.split("\t")[0] for line in path.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")]
    return texts


def test_phrase_rules_run_the_cheap_way_find_what_a_scan_finds():
    """A rule anchored at the start is tried once, a rule without leading strings only where its
    gate finds something: on every corpus message that finds the same matches as a full scan."""
    lex = lexicons()
    gated = dict(lex.kind_always)
    assert lex.kind_anchored, "the ^… rules are tried once"
    for text in _sample_texts() + ["关于加强小区管理的建议", "周末上班吗？", "几点开门"]:
        for index in lex.kind_anchored:
            pattern = lex.kind_patterns[index][0]
            once = pattern.match(text)
            assert [m.span() for m in pattern.finditer(text)] == ([once.span()] if once else [])
        for index, gate in gated.items():
            if gate is not None and lex.kind_patterns[index][0].search(text):
                assert gate.search(text), (index, text)
        for index, finder in lex.kind_gated:   # the gate as nlp.kind runs it: an automaton
            assert bool(finder(text)) == (gated[index].search(text) is not None), (index, text)
        for opening, pattern, *_ in lex.kind_rules:
            if opening is not None and pattern.match(text):
                size, openings = opening
                assert text[:size] in openings, (pattern.pattern, text)


def test_entity_look_outs_pass_every_text_the_full_expressions_match():
    """The address and time expressions only run where their cheap look-outs find something:
    the look-outs must find something in every text where the full expressions match."""
    from nlp import entities
    texts = _sample_texts() + ["幸福小区3栋2单元101室", "人民路12号", "三单元五楼", "1-2-301",
                               "2023年5月1日下午3点", "早上7点", "三个月了", "周末", "12:30",
                               "٣号楼٤单元", "十二点半"]
    for text in texts:
        if entities._ADDRESS.search(text):
            assert entities._ADDRESS_HINT.search(text), text
        if entities._TIME.search(text):
            assert entities._TIME_HINT.search(text), text


def test_the_word_automaton_finds_what_one_trie_finds():
    """WordFinder reads a text as the trie expression does: the longest word at each place from
    the left, then on after it; its spans are in characters, whatever the script."""
    import random
    rng = random.Random(5)
    alphabet = "垃圾桶满了路灯坏楼道漏水噪音停车吵狗"
    firsts = "".join(chr(0x4E00 + 7 * i) for i in range(200))
    words = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(300)}
    words |= {rng.choice(firsts) + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 3)))
              for _ in range(600)}
    alphabet += firsts[::3]
    one = re.compile(trie_pattern(words))
    finder = lexicon.WordFinder(words)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet + "，。a1👍é") for _ in range(rng.randint(0, 30)))
        assert finder.findall(text) == one.findall(text)
        assert [(finder.words[n], start, end) for n, start, end in finder.spans(text)] == \
            [(m.group(), *m.span()) for m in one.finditer(text)]
    lex = lexicons()
    for finder, words in ((lex.category_finder, lex.category_words),
                          (lex.kind_finder, lex.kind_words), (lex.voice_finder, lex.voice_words)):
        one = re.compile(trie_pattern(words))
        for text in _sample_texts():
            assert finder.findall(text) == one.findall(text), text
    assert lexicon.WordFinder([]).findall("垃圾") == []


def test_a_lone_surrogate_is_read_as_a_replacement_character():
    """The word automata read UTF-8: a message holding half of a surrogate pair (a broken
    emoji) is classified as if the half were U+FFFD, not turned away."""
    from nlp import classify
    assert lexicon.normalize("漏水\ud83d", lexicons().t2s) == "漏水\ufffd"
    assert classify("楼上漏水了\ud83d").category == classify("楼上漏水了").category == "房屋漏水"


def test_expressions_told_their_first_characters_find_what_plain_ones_find():
    """compile_starting gives the search the first characters of every match: the entity
    expressions find, on every corpus message and on texts made to hit their first characters
    (Unicode digits included), exactly what the plain compiled pattern finds."""
    import random
    from nlp import entities
    compiled = [entities._PHONE, entities._TIME, entities._TIME_HINT, entities._ADDRESS_HINT]
    rng = random.Random(11)
    alphabet = "幸福小区3栋2单元路12号早上7点晚上半三个月了١٣+86-0 漏水垃圾投诉请问建议谢谢"
    texts = _sample_texts() + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
                               for _ in range(500)]
    for pattern in compiled:
        assert pattern is not re.compile(pattern.pattern), "told its first characters"
        plain = re.compile(pattern.pattern)
        for text in texts:
            assert [m.span() for m in pattern.finditer(text)] == \
                [m.span() for m in plain.finditer(text)], (pattern.pattern[:40], text)
    assert lexicon.compile_starting("(?=[ab])(?:ab|b)", "[ab]").findall("cabxb") == ["ab", "b"]


def test_phrase_rules_told_their_first_characters_find_what_plain_ones_find():
    """nlp.kind searches a phrase rule compiled with the first characters its matches can start
    with (lexicon._searching): on every corpus message and on texts strung together from the
    rules' own leading strings, it finds exactly what the rule as written finds."""
    import random
    lex = lexicons()
    rng = random.Random(13)
    starts = sorted({s for *_, found in lex.kind_patterns for s in found or ()})
    pieces = starts + list("，。？！ 了吗呢的我们你好问题1") + ["进展如何", "处理得怎么样了", "几点上班"]
    texts = _sample_texts() + ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
                               for _ in range(1500)]
    told = 0
    for (opening, pattern, *_), (plain, *_) in zip(lex.kind_rules, lex.kind_patterns):
        if opening is not None:
            assert pattern is plain   # tried once at the start: nothing to pass over
            continue
        told += pattern is not plain
        for text in texts:
            assert [m.span() for m in pattern.finditer(text)] == \
                [m.span() for m in plain.finditer(text)], (plain.pattern[:40], text)
    assert told > len(lex.kind_rules) // 2


def test_normalize_reads_a_message_as_nfkc_then_simplified_characters():
    """Messages of ordinary characters take a one-table shortcut; it must give exactly what
    NFKC followed by the 繁→简 table gives, for every such character and mixed with others."""
    import random
    import unicodedata

    from nlp.lexicon import SIMPLE_RANGES, normalize
    t2s = lexicons().t2s

    def slow(text):
        text = unicodedata.normalize("NFKC", text).translate(t2s)
        return re.sub(r"\s*\n\s*", "\n", re.sub(r"[^\S\n]+", " ", text)).strip()

    simple = [chr(c) for low, high in SIMPLE_RANGES for c in range(low, high + 1)]
    # NFKC maps them one by one: what they become neither reorders (combining class 0) nor
    # composes with what stands before it (it is no second part of any canonical pair)
    second = set()
    for code in range(0x110000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            second.add(chr(int(parts[1], 16)))
    for char in simple:
        for out in unicodedata.normalize("NFKC", char):
            assert not unicodedata.combining(out) and out not in second, char
    assert normalize("".join(simple), t2s) == slow("".join(simple))
    rng = random.Random(11)
    others = ["\u0301", "\u3099", "\uff76", "\uff9e", "\uac00", "\u1100", "\u2017", "\u00c5", "e"]
    for _ in range(3000):
        text = "".join(rng.choice(simple) if rng.random() < 0.9 else rng.choice(others)
                       for _ in range(rng.randint(0, 12)))
        assert normalize(text, t2s) == slow(text), repr(text)
    assert normalize("Ｅ\u0301 樓道燈壞了", t2s) == "É 楼道灯坏了"
