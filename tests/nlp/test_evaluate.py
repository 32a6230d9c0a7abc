"""The dev-data figures the issue asks for, measured by `nlp.evaluate` (skipped without data)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.evaluate import DEFAULT_DATA, TARGETS, evaluate, f1_scores, summary

pytestmark = pytest.mark.skipif(not (DEFAULT_DATA / "teddy_dev.jsonl").exists(),
                                reason="../shared/data/nlp is absent")


@pytest.fixture(scope="module")
def report():
    return evaluate(DEFAULT_DATA)


# What the classifier reached on 2026-11-23, fourth pass (nlp/README.md): 0.843, 0.771, 0.854
# and 0.816, every issue target met. This guards what is reached, and rises as the classifier improves.
# Issue #11 routes an emergency by its own category: one teddy letter that says "现在搞得我…不想活了"
# is now a suicide risk for 卫健 (a person must read it), no longer a labour matter: 0.843 → 0.838.
REACHED = {"teddy_domain_accuracy": 0.838, "liuyan_kind_macro_f1": 0.77,
           "jiamusi_consultation_f1": 0.853, "jiamusi_domain_accuracy": 0.81}


@pytest.mark.parametrize("metric", sorted(TARGETS))
def test_no_figure_falls_below_what_was_reached(report, metric):
    assert report["headline"][metric] >= REACHED[metric], report["headline"]


def test_report_has_confusion_and_worst_misses(report):
    assert report["liuyan_kind"]["confusion"]
    assert len(report["worst_misses"]) == 20
    confidences = [m["confidence"] for m in report["worst_misses"]]
    assert confidences == sorted(confidences, reverse=True)


def test_cli_json_matches_library(report):
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "nlp", "evaluate", "--json"], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["headline"] == pytest.approx(report["headline"])


def test_scoring_helpers():
    assert f1_scores(["a", "a", "b"], ["a", "b", "b"]) == {"a": 2 / 3, "b": 2 / 3}
    s = summary(["a", "b"], ["a", "a"])
    assert s["accuracy"] == 0.5 and s["confusion"] == {"a": {"a": 1}, "b": {"a": 1}}
