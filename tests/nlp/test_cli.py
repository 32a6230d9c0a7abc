"""The `python -m nlp classify` contract, run as a real subprocess."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIELDS = ["kind", "domain", "category", "department", "urgency", "emergency", "confidence",
          "keywords", "entities", "faq"]


def run(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "nlp", *args], input=stdin, cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)


@pytest.fixture(scope="module")
def classified():
    texts = ["楼下烧烤店油烟太大了", "请问居住证在哪里办理？", "樓道著火了", "", "你好",
             "x" * 5000]
    stdin = "".join(json.dumps({"text": t, "id": i}, ensure_ascii=False) + "\n"
                    for i, t in enumerate(texts))
    return texts, run("classify", stdin=stdin)


def test_one_json_line_per_input_and_nothing_else(classified):
    texts, proc = classified
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(texts)
    for line in lines:
        data = json.loads(line)          # every stdout line is JSON: no log lines
        assert list(data) == FIELDS      # exactly the fields, in order


def test_output_is_utf8_not_escaped(classified):
    _, proc = classified
    assert "环境保护" in proc.stdout and "\\u" not in proc.stdout


def test_results_match_the_library(classified):
    import nlp
    texts, proc = classified
    for text, line in zip(texts, proc.stdout.splitlines()):
        assert json.loads(line) == json.loads(json.dumps(nlp.classify(text).as_dict(),
                                                         ensure_ascii=False))
    assert json.loads(proc.stdout.splitlines()[2])["urgency"] == "emergency"


def test_bad_lines_are_reported_on_stderr_and_keep_the_line_count():
    proc = run("classify", stdin='{"text": "楼上漏水"}\nnot json\n{"no_text": 1}\n')
    assert proc.returncode == 0
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == 3
    assert list(lines[0]) == FIELDS
    assert "error" in lines[1] and "error" in lines[2]
    assert "line 2" in proc.stderr and "line 3" in proc.stderr


def test_bench_prints_both_rates():
    proc = run("bench", "--n", "200", "--repeat", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["classify_per_s"] > 0 and result["jieba_lcut_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["classify_per_s"] / result["jieba_lcut_per_s"],
                                            rel=0.01)
