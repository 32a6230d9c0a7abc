"""Score the classifier on the labelled dev files in ../shared/data/nlp (see its README for the
label mapping, decided before any results). Used by `python -m nlp evaluate` and the tests.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from nlp.classifier import classify
from nlp.corpus import evaluate_emergencies, format_emergencies

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "nlp"
TARGETS = {"teddy_domain_accuracy": 0.80, "liuyan_kind_macro_f1": 0.75,
           "jiamusi_consultation_f1": 0.85, "jiamusi_domain_accuracy": 0.80}

KIND_TO_LIUYAN = {"complaint": "投诉/求助", "help": "投诉/求助", "consultation": "咨询",
                  "suggestion": "建言", "praise": "感谢", "other": "(other)"}
LIUYAN_DOMAIN = {"城建": "城乡建设", "交通": "交通运输", "环保": "环境保护", "教育": "教育文体",
                 "文娱": "教育文体", "就业": "劳动和社会保障", "医疗": "卫生计生",
                 "旅游": "商贸旅游", "治安": "公共安全", "三农": "农业农村"}
JIAMUSI_DOMAIN = {
    "人力资源和社会保障局": "劳动和社会保障",
    **dict.fromkeys(["住房保障局", "城市管理行政执法局", "城乡建设局", "供热办", "城乡规划局",
                     "房屋交易与产权管理中心", "龙江环保供水有限公司", "燃气公司",
                     "住房公积金管理中心", "水务局", "国网佳木斯供电公司"], "城乡建设"),
    **dict.fromkeys(["交警支队", "公交办", "交通运输局"], "交通运输"),
    **dict.fromkeys(["教育局", "文化广电新闻出版局", "体育局"], "教育文体"),
    **dict.fromkeys(["公安局", "消防支队"], "公共安全"),
    **dict.fromkeys(["民政局", "残疾人联合会"], "民政服务"),
    "环境保护局": "环境保护",
    **dict.fromkeys(["物价监督管理局", "工商局", "旅游发展委员会"], "商贸旅游"),
    "卫生和计划生育委员会": "卫生计生",
    "农业委员会（扶贫办）": "农业农村",
}


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def body(text: str) -> str:
    """The text after the first newline (jiamusi titles name their own type)."""
    return text.split("\n", 1)[1] if "\n" in text else text


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


def evaluate(data: Path = DEFAULT_DATA) -> dict:
    data = Path(data)
    misses = []

    def run(rows, text_of, gold_of, pred_of, task):
        gold, pred = [], []
        for row in rows:
            g = gold_of(row)
            if g is None:
                continue
            result = classify(text_of(row))
            p = pred_of(result)
            gold.append(g)
            pred.append(p)
            if g != p:
                confidence = result.confidence["kind" if task.endswith("kind") else "domain"]
                misses.append({"task": task, "gold": g, "pred": p, "confidence": confidence,
                               "keywords": result.keywords["kind" if task.endswith("kind")
                                                           else "domain"],
                               "text": text_of(row)[:100].replace("\n", " / ")})
        return summary(gold, pred)

    liuyan, teddy, jiamusi = (read(data / f"{n}_dev.jsonl") for n in ("liuyan", "teddy", "jiamusi"))
    report = {
        "liuyan_kind": run(liuyan, lambda r: r["text"], lambda r: r["type"],
                           lambda c: KIND_TO_LIUYAN[c.kind], "liuyan kind"),
        "liuyan_domain": run(liuyan, lambda r: r["text"], lambda r: LIUYAN_DOMAIN.get(r["domain"]),
                             lambda c: c.domain, "liuyan domain"),
        "teddy_domain": run(teddy, lambda r: r["text"], lambda r: r["domain"],
                            lambda c: c.domain, "teddy domain"),
        "jiamusi_kind": run(jiamusi, lambda r: body(r["text"]),
                            lambda r: "咨询问题" if r["type"] == "咨询问题" else "反映问题",
                            lambda c: "咨询问题" if c.kind == "consultation" else "反映问题",
                            "jiamusi kind"),
        "jiamusi_domain": run(jiamusi, lambda r: body(r["text"]),
                              lambda r: JIAMUSI_DOMAIN.get(r["domain"]), lambda c: c.domain,
                              "jiamusi domain"),
    }
    report["headline"] = {
        "teddy_domain_accuracy": report["teddy_domain"]["accuracy"],
        "teddy_domain_macro_f1": report["teddy_domain"]["macro_f1"],
        "liuyan_kind_macro_f1": report["liuyan_kind"]["macro_f1"],
        "liuyan_domain_accuracy": report["liuyan_domain"]["accuracy"],
        "liuyan_domain_macro_f1": report["liuyan_domain"]["macro_f1"],
        "jiamusi_consultation_f1": report["jiamusi_kind"]["f1"]["咨询问题"],
        "jiamusi_kind_accuracy": report["jiamusi_kind"]["accuracy"],
        "jiamusi_domain_accuracy": report["jiamusi_domain"]["accuracy"],
        "jiamusi_domain_macro_f1": report["jiamusi_domain"]["macro_f1"],
    }
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


def format_report(report: dict) -> str:
    h = report["headline"]
    lines = ["GridDesk nlp: evaluation on the dev files", ""]
    for key, value in h.items():
        target = report["targets"].get(key)
        mark = "" if target is None else f"   target ≥ {target:.2f} {'ok' if value >= target else 'MISSED'}"
        lines.append(f"{key:<28}{value:6.3f}{mark}")
    for name in ("liuyan_kind", "teddy_domain", "liuyan_domain", "jiamusi_kind", "jiamusi_domain"):
        part = report[name]
        lines += ["", f"== {name} (n={part['n']}, accuracy {part['accuracy']:.3f}, "
                      f"macro-F1 {part['macro_f1']:.3f})",
                  "per-class F1: " + ", ".join(f"{k} {v:.2f}" for k, v in part["f1"].items())]
        lines += _matrix(part["confusion"])
    lines += ["", "== 20 worst misses (most confident wrong answers)"]
    for m in report["worst_misses"]:
        lines.append(f"[{m['task']}] gold {m['gold']} / pred {m['pred']} ({m['confidence']:.2f}) "
                     f"{','.join(m['keywords'][:5])} | {m['text']}")
    if "emergency" in report:
        lines += format_emergencies(report["emergency"])
    return "\n".join(lines)
