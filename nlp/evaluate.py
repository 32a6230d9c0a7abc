"""Score the classifier on the labelled dev files in ../shared/data/nlp (see its README for the
label mapping, decided before any results). Used by `python -m nlp evaluate` and the tests.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from nlp.classifier import classify_with
from nlp.corpus import evaluate_emergencies, format_emergencies
from nlp.lexicon import lexicons
from nlp.sources import (DEFAULT_DATA, KIND_TO_LIUYAN, SOURCES, Example, body, examples,  # noqa: F401
                         read)
from nlp.weights import EMPTY

TARGETS = {"teddy_domain_accuracy": 0.80, "liuyan_kind_macro_f1": 0.75,
           "jiamusi_consultation_f1": 0.85, "jiamusi_domain_accuracy": 0.80,
           "haikou_department_accuracy": 0.80, "haikou_consultation_f1": 0.80}
OTHER_CEILING = 0.005   # at most this share of real messages may open no ticket (`other`)


def f1_scores(gold: list, pred: list) -> dict:
    """Per-class F1 for every class that occurs in gold."""
    out = {}
    for label in sorted(set(gold)):
        tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred) if g == label and p != label)
        out[label] = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
    return out


def summary(gold: list, pred: list) -> dict:
    per_class = f1_scores(gold, pred)
    return {"n": len(gold),
            "accuracy": sum(g == p for g, p in zip(gold, pred)) / len(gold) if gold else 0.0,
            "macro_f1": sum(per_class.values()) / len(per_class) if per_class else 0.0,
            "f1": per_class,
            "confusion": {g: dict(Counter(p for gg, p in zip(gold, pred) if gg == g))
                          for g in sorted(set(gold))}}


# task → (sources, gold of an Example, prediction of a Classification)
TASKS = {
    "liuyan_kind": ("liuyan", lambda e: e.kind_gold, lambda c: KIND_TO_LIUYAN[c.kind]),
    "liuyan_domain": ("liuyan", lambda e: e.domain, lambda c: c.domain),
    "teddy_domain": ("teddy", lambda e: e.domain, lambda c: c.domain),
    "jiamusi_kind": ("jiamusi", lambda e: e.kind_gold,
                     lambda c: "咨询问题" if c.kind == "consultation" else "反映问题"),
    "jiamusi_domain": ("jiamusi", lambda e: e.domain, lambda c: c.domain),
    "haikou_department": ("haikou", lambda e: e.department, lambda c: c.department),
    "haikou_kind": ("haikou", lambda e: e.kind_gold,
                    lambda c: "咨询" if c.kind == "consultation" else "报告"),
}


def _headline(parts: dict, other: dict) -> dict:
    def get(task, key, label=None):
        part = parts.get(task)
        if not part or not part["n"]:
            return None
        return part["f1"].get(label, 0.0) if label else part[key]
    out = {
        "teddy_domain_accuracy": get("teddy_domain", "accuracy"),
        "teddy_domain_macro_f1": get("teddy_domain", "macro_f1"),
        "liuyan_kind_macro_f1": get("liuyan_kind", "macro_f1"),
        "liuyan_suggestion_f1": get("liuyan_kind", None, "建言"),
        "liuyan_domain_accuracy": get("liuyan_domain", "accuracy"),
        "liuyan_domain_macro_f1": get("liuyan_domain", "macro_f1"),
        "jiamusi_consultation_f1": get("jiamusi_kind", None, "咨询问题"),
        "jiamusi_kind_accuracy": get("jiamusi_kind", "accuracy"),
        "jiamusi_domain_accuracy": get("jiamusi_domain", "accuracy"),
        "jiamusi_domain_macro_f1": get("jiamusi_domain", "macro_f1"),
        "haikou_department_accuracy": get("haikou_department", "accuracy"),
        "haikou_consultation_f1": get("haikou_kind", None, "咨询"),
    }
    out.update({f"other_share_{name}": share for name, share in other.items()})
    return {k: v for k, v in out.items() if v is not None}


def score(items: list[Example], weights, misses: list | None = None) -> dict:
    """Classify every example once with the given learned weights and score every task."""
    lex = lexicons(learned=False)
    return figures(items, [classify_with(e.text, lex, weights) for e in items], misses)


def figures(items: list[Example], results: list, misses: list | None = None) -> dict:
    """Every task's summary and the headline for examples and their classifications."""
    parts = {}
    for task, (source, gold_of, pred_of) in TASKS.items():
        gold, pred = [], []
        for e, c in zip(items, results):
            g = gold_of(e) if e.source == source else None
            if g is None:
                continue
            p = pred_of(c)
            gold.append(g)
            pred.append(p)
            if misses is not None and g != p:
                field = "kind" if task.endswith("kind") else "domain"
                misses.append({"task": task, "gold": g, "pred": p,
                               "confidence": c.confidence[field],
                               "keywords": c.keywords[field],
                               "text": e.text[:100].replace("\n", " / ")})
        if gold:
            parts[task] = summary(gold, pred)
    other = {}
    for source in SOURCES:
        kinds = [c.kind for e, c in zip(items, results) if e.source == source]
        if kinds:
            other[source] = sum(k == "other" for k in kinds) / len(kinds)
    other["all"] = sum(c.kind == "other" for c in results) / len(results) if results else 0.0
    return {"headline": _headline(parts, other), "parts": parts, "results": results,
            "other_rows": [e.text[:60] for e, c in zip(items, results) if c.kind == "other"][:30]}


def evaluate(data: Path = DEFAULT_DATA, refit: bool = True) -> dict:
    """Every figure: in-sample (the shipped learned.tsv, fitted on all dev rows), hand lexicons
    alone, and with refit the honest ones: cross-fitted (weights fitted on the even rows scored
    on the odd rows and vice versa) and cross-source (fitted without a file, scored on it)."""
    from nlp.learn import fit, model
    items = examples(Path(data))
    misses = []
    shipped = score(items, lexicons().learned, misses)
    report = {"headline": shipped["headline"], "in_sample": shipped,
              "hand_only": score(items, EMPTY)}
    for name in TASKS:
        if name in shipped["parts"]:
            report[name] = shipped["parts"][name]
    if refit:
        even = [e for e in items if e.row % 2 == 0]
        odd = [e for e in items if e.row % 2 == 1]
        on_odd = score(odd, model(fit(even)))
        on_even = score(even, model(fit(odd)))
        report["even_to_odd"], report["odd_to_even"] = on_odd, on_even
        report["cross_fitted"] = figures(odd + even, on_odd["results"] + on_even["results"])
        cross = {}
        for source in SOURCES:
            held = [e for e in items if e.source == source]
            if held:
                rest = [e for e in items if e.source != source]
                cross[source] = score(held, model(fit(rest)))
        report["cross_source"] = {"headline": {k: v for r in cross.values()
                                               for k, v in r["headline"].items()
                                               if k != "other_share_all"},
                                  "by_source": cross}
    for part in ("in_sample", "hand_only", "even_to_odd", "odd_to_even", "cross_fitted"):
        report.get(part, {}).pop("results", None)
    for part in report.get("cross_source", {}).get("by_source", {}).values():
        part.pop("results", None)
    misses.sort(key=lambda m: -m["confidence"])
    report["worst_misses"] = misses[:20]
    report["emergency"] = evaluate_emergencies(data)   # nlp/corpus.py: own corpus, letters
    report["targets"] = TARGETS
    return report


def _matrix(confusion: dict) -> list[str]:
    columns = sorted({p for row in confusion.values() for p in row} | set(confusion))
    lines = ["gold \\ pred".ljust(14) + "".join(c[:6].rjust(8) for c in columns)]
    for gold, row in confusion.items():
        lines.append(gold[:7].ljust(14) + "".join(str(row.get(c, 0)).rjust(8) for c in columns))
    return lines


COLUMNS = (("cross_fitted", "cross-fit"), ("even_to_odd", "even→odd"), ("odd_to_even", "odd→even"),
           ("cross_source", "x-source"), ("in_sample", "in-sample"), ("hand_only", "hand only"))


def format_report(report: dict) -> str:
    columns = [(key, label) for key, label in COLUMNS if key in report]
    lines = ["GridDesk nlp: evaluation on the dev files",
             "cross-fit: weights fitted on even rows scored on odd rows and vice versa (pooled); "
             "x-source: fitted without that file, scored on it; in-sample: the shipped "
             "learned.tsv, fitted on every dev row (not an honest figure)", "",
             "metric".ljust(30) + "".join(label.rjust(11) for _, label in columns) + "   target"]
    for key in report["in_sample"]["headline"]:
        cells = []
        for column, _ in columns:
            value = report[column]["headline"].get(key)
            cells.append("-".rjust(11) if value is None else f"{value:11.3f}")
        target = report["targets"].get(key)
        if key.startswith("other_share"):
            target = OTHER_CEILING
            mark = f"   ≤ {target:.3f}"
        else:
            mark = "" if target is None else f"   ≥ {target:.2f}"
        lines.append(key.ljust(30) + "".join(cells) + mark)
    for name in TASKS:
        part = report.get(name)
        if not part:
            continue
        lines += ["", f"== {name}, in-sample (n={part['n']}, accuracy {part['accuracy']:.3f}, "
                      f"macro-F1 {part['macro_f1']:.3f})",
                  "per-class F1: " + ", ".join(f"{k} {v:.2f}" for k, v in part["f1"].items())]
        if len(part["confusion"]) <= 6:
            lines += _matrix(part["confusion"])
    lines += ["", "== 20 worst misses (most confident wrong answers, in-sample)"]
    for m in report["worst_misses"]:
        lines.append(f"[{m['task']}] gold {m['gold']} / pred {m['pred']} ({m['confidence']:.2f}) "
                     f"{','.join(m['keywords'][:5])} | {m['text']}")
    if "emergency" in report:
        lines += format_emergencies(report["emergency"])
    return "\n".join(lines)
