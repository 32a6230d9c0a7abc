"""The dev-data figures the issue asks for, measured by `nlp.evaluate` (skipped without data)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nlp.evaluate import DEFAULT_DATA, OTHER_CEILING, evaluate, f1_scores, format_report, summary

pytestmark = pytest.mark.skipif(not (DEFAULT_DATA / "teddy_dev.jsonl").exists(),
                                reason="../shared/data/nlp is absent")


@pytest.fixture(scope="module")
def report():
    return evaluate(DEFAULT_DATA)   # with the cross-fitted and cross-source refits


# Floors a little under what was reached on 2026-11-30 (nlp/README.md, "Latest figures"); they
# rise as the classifier improves. The honest (cross-fitted: fitted on one half of every file,
# scored on the other, both halves pooled) figures are held first; the in-sample ones beside.
# Reached (14:25 UTC): cross-fitted teddy 0.834, liuyan kind 0.786, jiamusi consultation 0.853
# and domain 0.825, haikou department 0.727 and consultation 0.797; in-sample 0.860, 0.799,
# 0.863, 0.875, 0.937, 0.815.
CROSS_FITTED = {"teddy_domain_accuracy": 0.82, "liuyan_kind_macro_f1": 0.78,
                "jiamusi_consultation_f1": 0.85, "jiamusi_domain_accuracy": 0.82,
                "haikou_department_accuracy": 0.74, "haikou_consultation_f1": 0.79}
# Every half of teddy on its own (117 rows each; the target is per half, not pooled).
TEDDY_HALF = 0.80
IN_SAMPLE = {"teddy_domain_accuracy": 0.84, "liuyan_kind_macro_f1": 0.79,
             "jiamusi_consultation_f1": 0.85, "jiamusi_domain_accuracy": 0.87,
             "haikou_department_accuracy": 0.76, "haikou_consultation_f1": 0.79}


@pytest.mark.parametrize("metric", sorted(CROSS_FITTED))
def test_cross_fitted_figures_hold(report, metric):
    assert report["cross_fitted"]["headline"][metric] >= CROSS_FITTED[metric], \
        report["cross_fitted"]["headline"]


@pytest.mark.parametrize("half", ["even_to_odd", "odd_to_even"])
def test_each_half_of_teddy_reaches_its_target(report, half):
    assert report[half]["headline"]["teddy_domain_accuracy"] >= TEDDY_HALF, report[half]["headline"]


@pytest.mark.parametrize("metric", sorted(IN_SAMPLE))
def test_in_sample_figures_hold(report, metric):
    assert report["headline"][metric] >= IN_SAMPLE[metric], report["headline"]


@pytest.mark.parametrize("column", ["in_sample", "cross_fitted", "even_to_odd", "odd_to_even"])
def test_hardly_any_real_message_opens_no_ticket(report, column):
    shares = {k: v for k, v in report[column]["headline"].items() if k.startswith("other_share")}
    assert set(shares) >= {"other_share_liuyan", "other_share_teddy", "other_share_jiamusi",
                           "other_share_haikou", "other_share_all"}
    assert max(shares.values()) <= OTHER_CEILING, (shares, report[column].get("other_rows"))


def test_every_figure_is_reported_cross_fitted_and_cross_source(report):
    in_sample = report["in_sample"]["headline"]
    for column in ("cross_fitted", "even_to_odd", "odd_to_even", "hand_only"):
        assert set(report[column]["headline"]) == set(in_sample), column
    assert set(report["cross_source"]["by_source"]) == {"liuyan", "teddy", "jiamusi", "haikou"}
    assert "liuyan_kind_macro_f1" in report["cross_source"]["headline"]
    assert "haikou_department_accuracy" in report["cross_source"]["headline"]
    text = format_report(report)
    for label in ("cross-fit", "even→odd", "odd→even", "x-source", "in-sample", "hand only"):
        assert label in text


def test_report_has_confusion_and_worst_misses(report):
    assert report["liuyan_kind"]["confusion"]
    assert len(report["worst_misses"]) == 20
    confidences = [m["confidence"] for m in report["worst_misses"]]
    assert confidences == sorted(confidences, reverse=True)


def test_cli_json_matches_library():
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "nlp", "evaluate", "--json", "--in-sample"],
                          cwd=root, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["headline"] == pytest.approx(
        evaluate(DEFAULT_DATA, refit=False)["headline"])


def test_scoring_helpers():
    assert f1_scores(["a", "a", "b"], ["a", "b", "b"]) == {"a": 2 / 3, "b": 2 / 3}
    s = summary(["a", "b"], ["a", "a"])
    assert s["accuracy"] == 0.5 and s["confusion"] == {"a": {"a": 1}, "b": {"a": 1}}
