"""Emergency figures: the project's own corpus (nlp/corpus/) and the real letters' false alarms.

- emergencies.tsv: phrasings of a person in danger (text, type, call, category) → recall and
  the share that names the right number to call;
- lookalikes.tsv: calm messages that only look like one (text, why) → the false-alarm share;
- heldback*_emergencies.tsv / heldback*_lookalikes.tsv: slices of the same, each written before
  a tuning pass and scored once before its misses were read (heldback_, heldback2_, …); each
  file's "# measured:" lines keep those figures, printed beside today's (nlp/README.md);
- english_emergencies.tsv / english_lookalikes.tsv: a slice of the same kind in English and
  English mixed into Chinese (session 10), read after the heldback slices (NAMED_SLICES);
- every *_dev.jsonl of ../shared/data/nlp → the share of real letters flagged as an emergency,
  with a sample of what fired so a person can judge whether they are real.
"""
from __future__ import annotations

import json
from pathlib import Path

from nlp.classifier import classify

CORPUS = Path(__file__).parent / "corpus"
TARGETS = {"emergency_recall": 1.0, "lookalike_false_alarms": 0.10, "letters_false_alarms": 0.02}
# What the project keeps, tighter than the targets: every slice of look-alikes, and the
# real letters of each file.
KEPT = {"lookalike_false_alarms": 0.05, "letters_false_alarms": 0.01}
SAMPLE = 8


def read_tsv(path: Path, columns: int, least: int | None = None) -> list[list[str]]:
    """Rows of a corpus file (TAB-separated, # comments). With least, rows of least to columns
    cells are read and padded with "" (a look-alike's why is optional: heldback19 has none)."""
    least = columns if least is None else least
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if not least <= len(cells) <= columns:
            raise ValueError(f"{path.name}:{number}: expected {columns} columns: {line!r}")
        out.append(cells + [""] * (columns - len(cells)))
    return out


def measured_notes(path: Path) -> list[str]:
    """The figures a slice had when it was scored once, before its misses were read."""
    return [line.removeprefix("# measured:").strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("# measured:")]


def score_emergencies(rows: list[list[str]]) -> dict:
    """Recall and right-number share over (text, type, call, category) rows."""
    missed, wrong_call, by_type = [], [], {}
    for text, type_, call, category in rows:
        result = classify(text)
        counts = by_type.setdefault(type_, [0, 0])
        counts[0] += 1
        if result.urgency != "emergency":
            missed.append({"text": text, "category": category, "urgency": result.urgency})
            continue
        counts[1] += 1
        if result.emergency["call"] != call:
            wrong_call.append({"text": text, "expected": call, "got": result.emergency["call"],
                               "category": result.emergency["category"]})
    n = len(rows)
    found = n - len(missed)
    return {"n": n, "recall": found / n if n else 0.0,
            "call_accuracy": (found - len(wrong_call)) / found if found else 0.0,
            "recall_by_type": {t: c[1] / c[0] for t, c in sorted(by_type.items())},
            "categories": len({row[3] for row in rows}),
            "missed": missed, "wrong_call": wrong_call}


def score_lookalikes(rows: list[list[str]]) -> dict:
    """The share of calm (text, why) rows raised as an emergency."""
    alarms = []
    for text, why in rows:
        result = classify(text)
        if result.urgency == "emergency":
            alarms.append({"text": text, "why": why, "category": result.emergency["category"],
                           "signals": result.keywords["urgency"]})
    return {"n": len(rows), "false_alarms": len(alarms) / len(rows) if rows else 0.0,
            "alarms": alarms}


def score_letters(data: Path) -> dict:
    """Per dev file: the share of real letters flagged as an emergency, and a sample of them."""
    out = {}
    for path in sorted(Path(data).glob("*_dev.jsonl")):
        with path.open(encoding="utf-8") as handle:
            texts = [json.loads(line)["text"] for line in handle if line.strip()]
        fired = []
        for text in texts:
            result = classify(text)
            if result.urgency == "emergency":
                fired.append({"category": result.emergency["category"],
                              "signals": result.keywords["urgency"],
                              "text": text[:90].replace("\n", " / ")})
        out[path.name.removesuffix("_dev.jsonl")] = {
            "n": len(texts), "flagged": len(fired),
            "share": len(fired) / len(texts) if texts else 0.0, "sample": fired[:SAMPLE]}
    return out


NAMED_SLICES = ("english",)   # slices named for what they hold, not numbered


def held_back_slices(corpus: Path = CORPUS) -> list[str]:
    """The held-back slices in the corpus folder (heldback, heldback2, …), oldest first, then
    the named ones (english); each has an _emergencies.tsv and a _lookalikes.tsv."""
    names = [p.name.removesuffix("_emergencies.tsv")
             for p in Path(corpus).glob("heldback*_emergencies.tsv")]
    return sorted(names, key=lambda n: (len(n), n)) + [
        n for n in NAMED_SLICES if (Path(corpus) / f"{n}_emergencies.tsv").exists()]


def evaluate_emergencies(data: Path | None = None, corpus: Path = CORPUS) -> dict:
    """Every emergency figure; the letters part only when the data folder exists."""
    report = {
        "emergencies": score_emergencies(read_tsv(corpus / "emergencies.tsv", 4)),
        "lookalikes": score_lookalikes(read_tsv(corpus / "lookalikes.tsv", 2)),
    }
    for slice_ in held_back_slices(corpus):
        path = corpus / f"{slice_}_emergencies.tsv"
        report[f"{slice_}_emergencies"] = score_emergencies(read_tsv(path, 4))
        report[f"{slice_}_emergencies"]["measured"] = measured_notes(path)
        report[f"{slice_}_lookalikes"] = score_lookalikes(
            read_tsv(corpus / f"{slice_}_lookalikes.tsv", 2, least=1))
    if data is not None and Path(data).is_dir():
        report["letters"] = score_letters(data)
    report["targets"] = TARGETS
    report["kept"] = KEPT
    return report


def format_emergencies(report: dict) -> list[str]:
    """The report as lines for `python -m nlp evaluate`."""
    lines = ["", "== emergencies (nlp/corpus, written for GridDesk; every heldback slice has been tuned "
                 "on since its misses were read: its 'measured' lines are the honest figures)"]
    slices = [k.removesuffix("_emergencies") for k in report if k.endswith("_emergencies")]
    for name in ["emergencies"] + [f"{s}_emergencies" for s in slices]:
        if name in report:
            part = report[name]
            lines.append(f"{name:<26} n={part['n']:<4} recall {part['recall']:.3f} "
                         f"(target 1.0 {'ok' if part['recall'] >= 1.0 else 'MISSED'}), "
                         f"right number to call {part['call_accuracy']:.3f}, "
                         f"{part['categories']} categories")
            lines += [f"   measured {note}" for note in part.get("measured", ())]
            lines += [f"   missed [{m['category']}] {m['text']}" for m in part["missed"]]
            lines += [f"   calls {m['got']} not {m['expected']}: {m['text']}"
                      for m in part["wrong_call"]]
    for name in ["lookalikes"] + [f"{s}_lookalikes" for s in slices]:
        if name in report:
            part = report[name]
            share = part["false_alarms"]
            lines.append(f"{name:<26} n={part['n']:<4} false alarms {share:.3f} "
                         f"(target ≤ 0.10 {'ok' if share <= 0.10 else 'MISSED'}, kept ≤ 0.05 "
                         f"{'ok' if share <= KEPT['lookalike_false_alarms'] else 'MISSED'})")
            lines += [f"   [{a['why']} → {a['category']}] {a['text']} ({','.join(a['signals'])})"
                      for a in part["alarms"]]
    for name, part in report.get("letters", {}).items():
        share = part["share"]
        lines.append(f"real letters {name:<13} n={part['n']:<5} flagged as emergency "
                     f"{part['flagged']} = {share:.4f} (target ≤ 0.02 "
                     f"{'ok' if share <= 0.02 else 'MISSED'}, kept ≤ 0.01 "
                     f"{'ok' if share <= KEPT['letters_false_alarms'] else 'MISSED'})")
        lines += [f"   [{s['category']}: {','.join(s['signals'][:4])}] {s['text']}"
                  for s in part["sample"]]
    return lines
