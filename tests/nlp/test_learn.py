"""The learned keyword weights (nlp/data/learned.tsv, `python -m nlp learn`): rebuilt exactly by
one command, vocabulary statistics only, named in every decision, no ML library at run time."""
import math
import subprocess
import sys
from pathlib import Path

import pytest

import nlp
from nlp import learn
from nlp.lexicon import DATA, LexiconError, lexicons
from nlp.sources import DEFAULT_DATA, examples
from nlp.weights import (LEARNED_FILE, ROUTE_MIN_WORDS, max_match, parse, route, route_share,
                         vocabulary_index)

ROOT = Path(__file__).resolve().parents[2]
needs_data = pytest.mark.skipif(not (DEFAULT_DATA / "haikou_dev.jsonl").exists(),
                                reason="../shared/data/nlp is absent")


def shipped_lines():
    return [line for line in (DATA / LEARNED_FILE).read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]


@needs_data
def test_the_shipped_file_is_what_learn_writes_from_the_dev_files(tmp_path):
    out = tmp_path / "learned.tsv"
    learn.write_fixed(DEFAULT_DATA, out)  # whatever this test process's hash seed is
    assert out.read_text(encoding="utf-8") == (DATA / LEARNED_FILE).read_text(encoding="utf-8")


@needs_data
def test_every_learned_word_is_common_in_the_dev_files():
    texts = [e.text for e in examples(DEFAULT_DATA)]
    words = {line.split("\t")[0] for line in shipped_lines()
             if not line.startswith("@") and line.split("\t")[1] != "word"}
    assert len(words) > 500
    sample = sorted(words)[::25]
    for word in sample:
        assert 2 <= len(word) <= 8, word
        assert sum(word in text for text in texts) >= learn.MIN_ROWS, word


def test_learned_words_push_decisions_and_are_named_as_keywords():
    lex = lexicons()
    assert lex.learned.topic and lex.learned.kind
    # no hand-lexicon word for these, but words that the data ties to a department
    for text in ("出租屋的租客把房子转租给别人", "公司一直不给我们交五险一金"):
        result = nlp.classify(text)
        assert result.domain != "其他"
        assert result.keywords["category"], result
        assert all(word in text for word in result.keywords["category"])


def test_the_learned_route_sends_a_ticket_where_the_hotline_does_and_names_why():
    result = nlp.classify("物业不管事，小区绿化全毁了")
    assert (result.category, result.department) == ("物业服务", "街道/社区")
    assert "物业" in result.keywords["category"]
    # a department the hotline never names (no route was fitted for it) keeps its categories
    assert nlp.classify("有人在楼道里飞线给电动车充电，太危险了").department == "应急管理/消防"


def test_route_lines_move_a_department_only_with_enough_evidence():
    categories = lexicons().categories
    # a message with fewer than ROUTE_MIN_WORDS learned words counts each as 1/sqrt(that many)
    share = 1 / math.sqrt(ROUTE_MIN_WORDS)
    lines = [["@gamma", "route", "*", "3.0"], ["@bias", "route", "住建", "0.0"],
             ["@bias", "route", "街道/社区", "0.0"], ["物业", "route", "街道/社区", f"{4 / share}"],
             ["小区", "route", "街道/社区", "1.0"], ["业委会", "route", "街道/社区", "4.0"]]
    weights = parse(enumerate(lines, 1), categories)
    assert route("物业服务", "住建", ("物业",), weights) == ("街道/社区", ["物业"])
    assert route("物业服务", "住建", ("小区",), weights) == ("住建", [])
    # alone 4.0 would outweigh the category's own department (3.0), but one word is little
    # evidence: "房东不退押金" keeps 住建, "有人在小区门口卖假药" 市场监管
    assert route("物业服务", "住建", ("业委会",), weights) == ("住建", [])
    assert route_share(("业委会",)) == share and route_share(("词",) * 16) == 0.25
    assert route("宠物", "城管", ("物业",), weights) == ("城管", [])   # 城管: no route fitted


def test_max_match_takes_the_longest_word_leftmost():
    index = vocabulary_index(["下水", "下水道", "水道", "堵塞"])
    assert max_match("小区下水道堵塞了", index) == {"下水道", "堵塞"}
    assert max_match("", index) == frozenset()


def test_a_bad_line_names_the_file_and_line():
    categories = lexicons().categories
    with pytest.raises(LexiconError, match="learned.tsv:3"):
        parse([(3, ["垃圾", "topic", "没有这个类", "1.0"])], categories)
    with pytest.raises(LexiconError, match="learned.tsv:4"):
        parse([(4, ["垃圾", "kind", "report", "x"])], categories)


def test_classify_needs_no_ml_library_at_run_time():
    code = ("import sys, nlp; nlp.load(); nlp.classify('楼道灯坏了'); "
            "print(sorted(m for m in ('numpy', 'sklearn', 'scipy') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_learn_without_data_says_so(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "nlp", "learn", "--data", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "no dev files" in proc.stderr


def test_the_word_records_decide_exactly_as_the_weight_tables():
    """classify serves the learned decision from one record per word (nlp/records.py); the
    tables of nlp.weights are the reference: every field of classify is the same with and
    without the records, on the bench messages, the corpus and bags of learned
    words (decisive or not, with and without words of the lexicon)."""
    import random
    from dataclasses import replace

    from nlp.bench import MESSAGES
    from nlp.classifier import classify_with
    lex = lexicons()
    records = lex.learned
    assert records.records is not None
    tables = replace(records, records=None)
    texts = list(MESSAGES)
    for path in sorted((ROOT / "nlp" / "corpus").glob("*.tsv")):
        texts += [line.split("\t")[0] for line in path.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#")]
    learned = sorted(records.vocabulary[0])
    topic_words = sorted(w for c in lex.category_words for w in [c] if len(w) > 1)
    rng = random.Random(5)
    for _ in range(1500):
        words = rng.sample(learned, rng.randint(1, 12))
        if rng.random() < 0.5:
            words += rng.sample(topic_words, rng.randint(1, 2))
        rng.shuffle(words)
        texts.append("，".join(words))
    for text in texts:
        assert classify_with(text, lex, records) == classify_with(text, lex, tables), text


def test_confidences_are_the_hundredths_round_gives():
    """A confidence shown to an agent (classify rounds it with nlp.weights.round2, faster than
    round) is what round(x, 2) gives, halves and their neighbours included."""
    import math
    import random

    from nlp.weights import round2
    rng = random.Random(11)
    values = [rng.random() for _ in range(200000)] + [0.0, -0.0, 1.0, 0.99, 0.05, 1e-300]
    for k in range(201):   # every half-hundredth and the floats next to it
        x = y = k / 200
        for _ in range(20):
            values += [x, y]
            x, y = math.nextafter(x, 2.0), math.nextafter(y, -1.0)
    for x in values:
        assert repr(round2(x)) == repr(round(x, 2)), repr(x)
