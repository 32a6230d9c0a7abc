"""Fit and measure the learned danger net (nlp/danger.py): `python -m nlp learn-danger` writes
nlp/data/danger.tsv; `python -m nlp evaluate-danger` prints the held-out figures.

Training rows: positives are every nlp/corpus/*emergencies.tsv row; negatives are every
*lookalikes.tsv row, the calm everyday reports (calm_reports.tsv), the short calm lines that name
a person and a place (calm_short.tsv) and the real letters of the dev
files (../shared/data/nlp/*_dev.jsonl; their rows are read, never copied) except the ones the
taxonomy flags (real dangers or borderline). The fit is L2-regularised logistic regression by
full-batch Adam on numpy (offline only; classify needs the written file alone).

Honest figures: leave-one-slice-out — for each corpus slice (emergencies.tsv + lookalikes.tsv,
each heldback*), fit on every other slice and score it — and cross-fitted real letters and calm
reports (fit on the even rows, score the odd ones, and back). The threshold is chosen on these
held-out scores: real letters flagged (taxonomy or net) ≤ LETTERS_CEILING in every dev file and
among the calm lines (calm reports and short lines pooled), none of the calm reports, ≤
CALM_SHORT_CEILING of the short calm lines, look-alikes raised ≤ LOOKALIKES_CEILING pooled.
Opener copies of the corpus rows and short sentences of the letters are learned from, never
counted (Rows.aug). The class weights and L2 below were chosen on the leave-one-slice-out
figures (nlp/README.md lists what was tried).
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

from nlp.corpus import CORPUS, read_tsv
from nlp.danger import DANGER_FILE, READ_CHARS, grams, readable
from nlp.emergency import detect, taxonomy
from nlp.lexicon import DATA, lexicons, normalize
from nlp.sources import DEFAULT_DATA

L2, CATEGORY_L2 = 0.1, 0.001
ITERATIONS, STEP = 250, 0.1
CATEGORY_EPOCHS, CATEGORY_STEP = 10, 1.0
MIN_ROWS = 2                 # a gram counts when at least this many training rows have it
LETTER_WEIGHT = 0.3          # each real letter's share of the loss (there are many)
CALM_WEIGHT = 3.0            # each calm everyday report's (few, and the most common traffic)
CALM_SHORT_WEIGHT = 10.0     # each short calm line's (calm_short.tsv)
POSITIVE_WEIGHT = 3.0        # each emergency's
LOOKALIKE_WEIGHT = 1.0       # each look-alike's (the hard negatives)
UNIGRAM_L2 = 1.0             # a single character's L2 against a 2-gram's
KEEP, CATEGORY_KEEP = 0.02, 0.05   # smaller weights are not written
LETTERS_CEILING, LOOKALIKES_CEILING = 0.01, 0.05
CALM_CEILING, CALM_SHORT_CEILING = 0.0, 0.02   # calm reports: none; short calm lines ≤ 2 %
CALM_FILE = "calm_reports.tsv"
CALM_SHORT_FILE = "calm_short.tsv"   # short person + place lines, openers (group calm_short)
HASH_SEED = "0"
# Copies the fit learns from and no figure counts (Rows.aug), so that what carries to a new
# writer is the danger, not the way a slice happens to open (session 6, nlp/README.md):
# - every corpus row (emergencies, look-alikes, calm lines) once more behind an opener residents
#   send first, the same openers on both sides, so an opener weighs nothing either way;
# - the first SNIPPETS sentences (SNIPPET_CHARS long) of each real letter the taxonomy does not
#   flag, as negatives of the letter's weight: short real statements, where the letters are long.
OPENERS = ("你好 ", "在吗 ", "喂 ", "打扰一下 ", "同志你好 ", "麻烦问下 ", "早上好 ", "那个 ",
           "请问 ", "您好 我想说个事 ")
SNIPPETS, SNIPPET_CHARS = 2, (8, 50)
_SENTENCE = re.compile(r"[。！？!?；;\n]")


class Rows:
    """Every text of the fit, normalized, with its group, label and what the taxonomy says."""

    def __init__(self, data: Path | None = DEFAULT_DATA, corpus: Path = CORPUS):
        lex = lexicons(learned=False)
        tax = taxonomy(lex)
        self.text, self.group, self.label, self.category, self.call = [], [], [], [], []
        self.parity = []

        def add(text, group, label, category="", call="", parity=0):
            self.text.append(normalize(text, lex.t2s))
            self.group.append(group)
            self.label.append(label)
            self.category.append(category)
            self.call.append(call)
            self.parity.append(parity)

        for name in slices(corpus):
            pos, neg = slice_files(corpus, name)
            for text, _, call, category in read_tsv(pos, 4):
                add(text, "slice:" + name, 1, category, call)
            if neg.exists():
                for text, _ in read_tsv(neg, 2, least=1):
                    add(text, "slice:" + name, 0)
        for group, name in (("calm", CALM_FILE), ("calm_short", CALM_SHORT_FILE)):
            if (corpus / name).exists():
                for i, (text, _) in enumerate(read_tsv(corpus / name, 2)):
                    add(text, group, 0, parity=i % 2)
        if data is not None:
            for path in sorted(Path(data).glob("*_dev.jsonl")):
                with path.open(encoding="utf-8") as handle:
                    texts = [json.loads(line)["text"] for line in handle if line.strip()]
                for i, text in enumerate(texts):
                    add(text, "letters:" + path.name.removesuffix("_dev.jsonl"), 0, parity=i % 2)
        found = [detect(t, tax) for t in self.text]
        real = len(self.text)
        for i in range(real):
            group = self.group[i]
            if group.startswith(("slice:", "calm")):
                add(OPENERS[i % len(OPENERS)] + self.text[i], group, self.label[i],
                    self.category[i], self.call[i], self.parity[i])
            elif found[i].category is None:
                parts = [s.strip() for s in _SENTENCE.split(self.text[i])]
                for part in [s for s in parts
                             if SNIPPET_CHARS[0] <= len(s) <= SNIPPET_CHARS[1]][:SNIPPETS]:
                    if part != self.text[i]:
                        add(part, group, 0, parity=self.parity[i])
        found += [detect(t, tax) for t in self.text[real:]]
        self.aug = np.arange(len(self.text)) >= real
        self.keyword = np.array([f.category is not None for f in found])
        # the net is not asked where a hedge defused a danger, nor over a harmless word
        harmless = [any(all(c == -1 for c, _ in tax.signals[word])
                        for word in tax.signal_finder.findall(t)) for t in self.text]
        self.hedged = np.array([f.category is None and (bool(f.hazards) or h)
                                for f, h in zip(found, harmless)])
        self.readable = np.array([readable(t) for t in self.text])
        self.label = np.array(self.label)
        self.group = np.array(self.group)
        self.parity = np.array(self.parity)
        # letters the taxonomy flags are real dangers or borderline: no negatives
        self.trainable = ~(np.char.startswith(self.group, "letters:") & self.keyword)
        self.index: dict[str, int] = {}
        self.docs = []
        for text in self.text:
            ids = [self.index.setdefault(g, len(self.index)) for g in grams(text[:READ_CHARS])]
            self.docs.append(np.array(ids, dtype=np.int64))
        self.grams = list(self.index)
        # grams that cannot be a line of danger.tsv (a TAB or line break in them, or read as a
        # comment or a setting) never count
        self.writable = np.array([not (set(g) & set("\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
                                       or g[0] in "#@") for g in self.grams])


def slices(corpus: Path = CORPUS) -> list[str]:
    """Every slice of the corpus: "emergencies" (emergencies.tsv + lookalikes.tsv), then each
    X_emergencies.tsv (+ X_lookalikes.tsv), oldest first; new slice files are picked up."""
    names = [p.name.removesuffix("_emergencies.tsv")
             for p in Path(corpus).glob("*_emergencies.tsv")]
    return ["emergencies"] + sorted((n for n in names if n not in NOT_READ),
                                    key=lambda n: (len(n), n))


# Slices of lines the net does not read (nlp.danger.readable: mostly Latin letters): it learns
# nothing from them, and its Chinese weights stay those the Chinese lines give (session 10).
NOT_READ = ("english",)


def slice_files(corpus: Path, name: str) -> tuple[Path, Path]:
    if name == "emergencies":
        return corpus / "emergencies.tsv", corpus / "lookalikes.tsv"
    return corpus / f"{name}_emergencies.tsv", corpus / f"{name}_lookalikes.tsv"


def _matrix(rows: Rows, chosen: np.ndarray, allowed: np.ndarray | None = None):
    """(row of each entry, feature of each entry, value, rows, features) for the chosen rows:
    value 1/sqrt(n); with allowed (the grams that count), features are numbered 0… among them."""
    docs = [rows.docs[i] for i in np.flatnonzero(chosen)]
    lengths = np.array([len(d) for d in docs])
    features = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
    row = np.repeat(np.arange(len(docs)), lengths)
    value = np.repeat(1.0 / np.sqrt(np.maximum(lengths, 1)), lengths)
    size = len(rows.grams)
    if allowed is not None:
        keep = allowed[features]
        row, features, value = row[keep], features[keep], value[keep]
        number = np.cumsum(allowed) - 1
        features, size = number[features], int(allowed.sum())
    return row, features, value, len(docs), size


def _spread(w: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Weights of the allowed grams → weights of every gram (0 for the others)."""
    out = np.zeros((len(allowed),) + w.shape[1:])
    out[allowed] = w
    return out


def _adam(gradient, size, shape=None, iterations=ITERATIONS):
    w = np.zeros(shape or size)
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, iterations + 1):
        g = gradient(w)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= STEP * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return w


def fit(rows: Rows, chosen: np.ndarray) -> dict:
    """The danger weights (and the type head) fitted on the chosen rows."""
    chosen = chosen & rows.trainable
    counts = np.zeros(len(rows.grams))
    # a gram counts when MIN_ROWS corpus rows have it: the letters shape the weights of those
    # grams and add none (a gram of one emergency and one letter would be a large weight learned
    # from one row, and the run-time bound of nlp/danger.py loosens with every positive 2-gram)
    for i in np.flatnonzero(chosen & ~np.char.startswith(rows.group, "letters:")):
        counts[np.unique(rows.docs[i])] += 1
    allowed = (counts >= MIN_ROWS) & rows.writable
    row, feature, value, n, size = _matrix(rows, chosen, allowed)
    size += 1   # the last weight is the bias
    y = rows.label[chosen].astype(float)
    group = rows.group[chosen]
    weight = np.where(np.char.startswith(group, "letters:"), LETTER_WEIGHT,
                      np.where(group == "calm", CALM_WEIGHT,
                               np.where(group == "calm_short", CALM_SHORT_WEIGHT,
                                        np.where(y == 1, POSITIVE_WEIGHT, LOOKALIKE_WEIGHT))))
    total = weight.sum()
    l2 = L2 / total * np.where([len(rows.grams[i]) == 1 for i in np.flatnonzero(allowed)],
                               UNIGRAM_L2, 1.0)

    def gradient(w):
        z = np.bincount(row, weights=value * w[feature], minlength=n) + w[-1]
        r = weight * (1 / (1 + np.exp(-z)) - y) / total
        g = np.bincount(feature, weights=value * r[row], minlength=size)
        g[-1] = r.sum()
        g[:-1] += l2 * w[:-1]
        return g

    w = _adam(gradient, size)
    head = _fit_categories(rows, chosen & (rows.label == 1), allowed)
    return {"weights": _spread(w[:-1], allowed), "bias": w[-1], **head}


def _fit_categories(rows: Rows, chosen: np.ndarray, allowed: np.ndarray) -> dict:
    """Softmax over the taxonomy categories on the emergencies alone, by stochastic gradient
    descent (a fixed shuffle: seed 0), CATEGORY_EPOCHS passes with a falling step."""
    picked = np.flatnonzero(chosen)
    names = sorted({rows.category[i] for i in picked})
    seen = np.zeros(len(rows.grams))
    for i in picked:
        seen[np.unique(rows.docs[i])] += 1
    allowed = allowed & (seen >= MIN_ROWS)
    number = np.cumsum(allowed) - 1
    w = np.zeros((int(allowed.sum()), len(names)))
    bias = np.zeros(len(names))
    examples = []
    for i in picked:
        doc = rows.docs[i]
        kept, counts = np.unique(doc[allowed[doc]], return_counts=True)
        examples.append((number[kept], counts / math.sqrt(max(len(doc), 1)),
                         names.index(rows.category[i])))
    shuffle = np.random.default_rng(0)
    for epoch in range(CATEGORY_EPOCHS):
        step = CATEGORY_STEP / (1 + epoch)
        for k in shuffle.permutation(len(examples)):
            features, values, target = examples[k]
            z = bias + values @ w[features]
            p = np.exp(z - z.max())
            p /= p.sum()
            p[target] -= 1
            w[features] -= step * (values[:, None] * p + CATEGORY_L2 * w[features])
            bias -= step * p
    return {"categories": names, "category_weights": _spread(w, allowed), "category_bias": bias}


def scores(rows: Rows, model: dict, chosen: np.ndarray) -> np.ndarray:
    """The danger logit of each chosen row (−inf where the net does not read it)."""
    row, feature, value, n, _ = _matrix(rows, chosen)
    z = np.bincount(row, weights=value * model["weights"][feature], minlength=n) + model["bias"]
    return np.where(rows.readable[chosen], z, -np.inf)


def categories(rows: Rows, model: dict, chosen: np.ndarray) -> list[str]:
    out = []
    for i in np.flatnonzero(chosen):
        doc = rows.docs[i]
        z = (model["category_bias"]
             + model["category_weights"][doc].sum(axis=0) / math.sqrt(max(len(doc), 1)))
        out.append(model["categories"][int(np.argmax(z))])
    return out


def held_out(rows: Rows) -> tuple[np.ndarray, list]:
    """Each row's score and category from a net that never saw it: a slice's rows from the net
    fitted on every other slice (and every letter and calm report); letters and calm reports
    from the net fitted on the other half of them (even/odd) and every slice."""
    score = np.full(len(rows.text), -np.inf)
    category = [""] * len(rows.text)
    in_slices = np.char.startswith(rows.group, "slice:")
    folds = [rows.group == "slice:" + name for name in slices()]
    folds += [~in_slices & (rows.parity == half) for half in (0, 1)]
    for fold in folds:
        if not fold.any():
            continue
        model = fit(rows, ~fold)
        score[fold] = scores(rows, model, fold)
        for i, c in zip(np.flatnonzero(fold), categories(rows, model, fold)):
            category[i] = c
    return score, category


def figures(rows: Rows, score: np.ndarray, threshold: float, category=None) -> dict:
    """Per slice, per dev file and for the calm reports: the taxonomy alone and with the net."""
    net = (score >= threshold) & ~rows.keyword & ~rows.hedged
    alone = score >= threshold
    calls = {c.id: c.call for c in taxonomy(lexicons(learned=False)).categories}
    out = {"threshold": threshold, "slices": {}, "letters": {}}
    real = ~rows.aug
    for name in slices():
        part = (rows.group == "slice:" + name) & real
        pos, neg = part & (rows.label == 1), part & (rows.label == 0)
        right = [calls.get(category[i]) == rows.call[i] for i in np.flatnonzero(pos & alone)] \
            if category else []
        out["slices"][name] = {
            "n": int(pos.sum()), "keywords": float(rows.keyword[pos].mean()),
            "net_alone": float(alone[pos].mean()),
            "keywords_or_net": float((rows.keyword | net)[pos].mean()),
            "net_right_call": float(np.mean(right)) if right else None,
            "lookalikes": int(neg.sum()),
            "lookalikes_keywords": float(rows.keyword[neg].mean()) if neg.any() else 0.0,
            "lookalikes_net_alone": float(alone[neg].mean()) if neg.any() else 0.0,
            "lookalikes_keywords_or_net": float((rows.keyword | net)[neg].mean())
            if neg.any() else 0.0}
    for group in sorted(set(rows.group.tolist())):
        if group.startswith("slice:"):
            continue
        part = (rows.group == group) & real
        out["letters"][group.split(":")[-1]] = {
            "n": int(part.sum()), "keywords": float(rows.keyword[part].mean()),
            "keywords_or_net": float((rows.keyword | net)[part].mean()),
            "net_added": int((net & part).sum()),
            "sample": [rows.text[i][:70] for i in np.flatnonzero(net & part)[:5]]}
    pos = np.char.startswith(rows.group, "slice:") & (rows.label == 1) & real
    neg = np.char.startswith(rows.group, "slice:") & (rows.label == 0) & real
    out["pooled"] = {"net_alone": float(alone[pos].mean()),
                     "keywords_or_net": float((rows.keyword | net)[pos].mean()),
                     "lookalikes_keywords_or_net": float((rows.keyword | net)[neg].mean()),
                     "lookalikes_net_alone": float(alone[neg].mean())}
    return out


def calm_share(found: dict) -> float:
    """The share of the calm lines (calm reports and calm short lines together: the ordinary
    traffic of the account) flagged by the taxonomy or the net."""
    calm = [f for name, f in found["letters"].items() if name.startswith("calm")]
    return sum(f["keywords_or_net"] * f["n"] for f in calm) / max(sum(f["n"] for f in calm), 1)


def within(found: dict) -> bool:
    """Whether held-out figures keep real letters flagged ≤ LETTERS_CEILING in every dev file,
    the calm lines (reports and short lines pooled) ≤ LETTERS_CEILING, the calm reports ≤
    CALM_CEILING, the short calm lines ≤ CALM_SHORT_CEILING and look-alikes raised ≤
    LOOKALIKES_CEILING pooled."""
    letters = [f for name, f in found["letters"].items() if not name.startswith("calm")]
    calm = found["letters"]
    return (all(f["keywords_or_net"] <= LETTERS_CEILING for f in letters)
            and calm_share(found) <= LETTERS_CEILING
            and calm.get("calm", {}).get("keywords_or_net", 0.0) <= CALM_CEILING
            and calm.get("calm_short", {}).get("keywords_or_net", 0.0) <= CALM_SHORT_CEILING
            and found["pooled"]["lookalikes_keywords_or_net"] <= LOOKALIKES_CEILING)


def choose_threshold(rows: Rows, score: np.ndarray) -> float:
    """The lowest threshold (most recall) whose held-out figures are within() the ceilings. Every
    figure falls as the threshold rises, so a bisection over the held-out scores finds it."""
    candidates = np.unique(np.round(score[np.isfinite(score)], 3))
    low, high = 0, len(candidates)          # candidates[high:] pass; none below low does
    while low < high:
        middle = (low + high) // 2
        if within(figures(rows, score, float(candidates[middle]))):
            high = middle
        else:
            low = middle + 1
    return float(candidates[low]) if low < len(candidates) else math.inf


HEADER = """# The learned danger net (nlp/danger.py), written by `python -m nlp learn-danger` (nlp/danger_fit.py)
# from nlp/corpus/ and the dev files' letters; do not edit by hand, refit.
# Lines: @bias / @threshold (a message fires when bias + sum of its n-grams' weights / sqrt(number
# of n-grams) ≥ threshold) / @categories (the type head's columns) / @category_bias; then
# n-gram TAB danger weight TAB the type head's weights as column:weight separated by spaces.
# The threshold was chosen on held-out scores (leave-one-slice-out, letters and calm reports
# cross-fitted): {rule}
"""


def model_lines(model: dict, threshold: float) -> list[str]:
    lines = [f"@bias\t{model['bias']:.4f}", f"@threshold\t{threshold:.4f}",
             "@categories\t" + ",".join(model["categories"]),
             "@category_bias\t" + ",".join(f"{b:.4f}" for b in model["category_bias"])]
    return lines


def write(data: Path = DEFAULT_DATA, out: Path | None = None, rows: Rows | None = None,
          held: tuple | None = None) -> tuple[Path, dict]:
    """Measure held out, choose the threshold, fit on every row, write danger.tsv."""
    out = out or DATA / DANGER_FILE
    rows = rows or Rows(data)
    score, category = held or held_out(rows)
    threshold = choose_threshold(rows, score)
    found = figures(rows, score, threshold, category)
    model = fit(rows, np.ones(len(rows.text), dtype=bool))
    lines = model_lines(model, threshold)
    body = []
    for i, gram in enumerate(rows.grams):
        weight = model["weights"][i]
        heads = model["category_weights"][i]
        cells = " ".join(f"{c}:{w:.3f}" for c, w in enumerate(heads) if abs(w) >= CATEGORY_KEEP)
        if abs(weight) >= KEEP or cells:
            body.append(f"{gram}\t{weight:.4f}\t{cells}")
    rule = (f"real letters ≤ {LETTERS_CEILING} flagged (taxonomy or net) in every dev file and "
            f"the calm lines (calm_reports.tsv + calm_short.tsv pooled), calm reports ≤ "
            f"{CALM_CEILING}, calm short lines ≤ {CALM_SHORT_CEILING}, look-alikes ≤ "
            f"{LOOKALIKES_CEILING} pooled")
    out.write_text(HEADER.format(rule=rule) + "\n".join(lines + sorted(body)) + "\n",
                   encoding="utf-8")
    return out, found


def write_fixed(data: Path = DEFAULT_DATA) -> Path:
    """write() in a fresh interpreter with PYTHONHASHSEED fixed: the same bytes anywhere."""
    import os
    import subprocess
    import sys
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                    "from nlp.danger_fit import write, format_figures; "
                    "print(format_figures(write(Path(sys.argv[1]))[1]))", str(data)],
                   check=True, env={**os.environ, "PYTHONHASHSEED": HASH_SEED})
    return DATA / DANGER_FILE


def evaluate(data: Path = DEFAULT_DATA) -> dict:
    """The held-out figures at the shipped threshold (nlp/data/danger.tsv)."""
    from nlp.danger import load
    rows = Rows(data)
    score, category = held_out(rows)
    return figures(rows, score, load().threshold, category)


def format_figures(found: dict) -> str:
    lines = ["== learned danger net, leave-one-slice-out (each slice scored by a net fitted "
             "without it; letters and calm reports cross-fitted even/odd); "
             f"threshold {found['threshold']:.3f}",
             "keywords = today's taxonomy (tuned on every slice: its fresh figure is in the "
             "slice's '# measured:' lines); net = the net alone on rows it never saw",
             f"{'slice':<14}{'n':>5}{'keywords':>10}{'net alone':>11}{'kw or net':>11}"
             f"{'net 110/119/120 right':>23}{'look-alikes':>13}{'kw':>7}{'net':>7}{'kw or net':>11}"]
    for name, f in found["slices"].items():
        right = "-" if f["net_right_call"] is None else f"{f['net_right_call']:.3f}"
        lines.append(f"{name:<14}{f['n']:>5}{f['keywords']:>10.3f}{f['net_alone']:>11.3f}"
                     f"{f['keywords_or_net']:>11.3f}{right:>23}{f['lookalikes']:>13}"
                     f"{f['lookalikes_keywords']:>7.3f}{f['lookalikes_net_alone']:>7.3f}"
                     f"{f['lookalikes_keywords_or_net']:>11.3f}")
    p = found["pooled"]
    lines.append(f"pooled: net alone {p['net_alone']:.3f}, keywords or net "
                 f"{p.get('keywords_or_net', 0.0):.3f}, look-alikes raised (kw or net) "
                 f"{p['lookalikes_keywords_or_net']:.3f} (kept ≤ {LOOKALIKES_CEILING})")
    for name, f in found["letters"].items():
        what = {"calm": "calm reports", "calm_short": "calm short lines"}.get(
            name, f"real letters {name}")
        ceiling = {"calm": CALM_CEILING, "calm_short": CALM_SHORT_CEILING}.get(name,
                                                                                LETTERS_CEILING)
        lines.append(f"{what:<22} n={f['n']:<5} flagged: keywords {f['keywords']:.4f}, "
                     f"keywords or net {f['keywords_or_net']:.4f} (+{f['net_added']}; "
                     f"kept ≤ {ceiling})")
        lines += [f"   net: {t}" for t in f["sample"]]
    lines.append(f"calm lines pooled (reports + short lines) flagged {calm_share(found):.4f} "
                 f"(kept ≤ {LETTERS_CEILING})")
    return "\n".join(lines)
