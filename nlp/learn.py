"""`python -m nlp learn`: fit keyword weights on the dev files and write nlp/data/learned.tsv.

What is learned (offline, numpy; classify itself needs only the written file):
- the vocabulary: jieba words of two or more characters (Chinese) that occur in at least
  MIN_ROWS rows of at least MIN_SOURCES of the dev files — vocabulary statistics, never a
  letter or a phrase of one;
- topic: a weight per word and category, fitted by L2-regularised logistic regression on top of
  the hand lexicon's category scores (an offset with one fitted scale), so the weights learn what
  categories.tsv misses. Labels name a domain (liuyan, teddy, jiamusi) or a department (haikou),
  i.e. a set of our categories: the fit maximises the probability of that set;
- kind: the same over report (complaint or help) / consultation / suggestion / praise, on top of
  the hand kind scores (one scale per kind). 反映问题 and 反映 allow any kind that opens a ticket.
- route: which department gets a message, fitted on the rows labelled with a department (the
  12345 orders): a weight per word and department and per (decided category, department) on top
  of the category's own department. Only departments the labels name are routed to and from.
The same functions fit the cross-fitted and cross-source models that `nlp.evaluate` scores.
"""
from __future__ import annotations

import re
from pathlib import Path

from nlp.lexicon import DATA, lexicons, normalize
from nlp.sources import DEFAULT_DATA, SOURCES, Example, examples
from nlp.weights import (EMPTY, KIND_CLASSES, LEARNED_FILE, ROUTE_MIN_WORDS, Weights, max_match,
                         parse, vocabulary_index)

MIN_ROWS, MIN_SOURCES = 5, 2
SINGLE_SOURCE_ROWS = 10    # a word seen in one source only needs this many rows
TOPIC_L2, KIND_L2 = 0.3, 3.0
# KIND_L2 (2026-11-30 session 7, cross-fitted with the reason/progress and operator-callback
# kind rules): 2.5 held every figure on both halves (jiamusi consultation +0.001 on each) but
# wrote 21 % more kind words, and short lines with no topic that were `other` ("人民路12号",
# "十二点半", "所在网格") became consultations; 2 and 1.5 lost 0.005 / 0.004 on one half of
# Haikou consultation / liuyan kind. Kept at 3.
BALANCE = 0.0
TOPIC_GAMMA = None     # None: fit the scale of the hand category scores
KIND_GAMMA = None
# Labels name sets of categories (a domain, a department), so a bias could move a set's mass
# onto any one member; kept small, the hand scores and the words choose inside a set.
BIAS_L2 = 30.0
ITERATIONS, STEP = 300, 0.1
# weights smaller than these are not written (dropping topic weights under 0.5 cost nothing
# cross-fitted and makes the file five times smaller and classify faster)
TOPIC_KEEP, KIND_KEEP = 0.5, 0.1
# department routing, fitted on the rows whose label names a department (hotline orders)
ROUTE_L2, ROUTE_KEEP = 0.1, 0.5
ROUTE = True
# Folds for deciding the route's training categories out of fold (see _route_deciders; 0: the
# categories are decided by the topic weights fitted on the same rows, as shipped). Measured
# 2026-12-01 session 14, cross-fitted even→odd / odd→even, Haikou department 0.7477 / 0.7461
# before: 2 folds 0.7539 / 0.7529, 4 folds 0.7533 / 0.7517, 2 folds with ROUTE_STACK_MIX 0.5
# 0.7514 / 0.7529 (0.75: 0.7508 / 0.7505); every other figure identical, cross-source unchanged
# (the route is fitted on hotline orders only). Not switched on: the route's @gamma falls 3.83 →
# 3.06 (mixed 3.21), a category's own department weighs less against the hotline's routing, and
# tests/nlp/test_classify DOMAIN_CASES move: "政务大厅窗口工作人员推诿…" → 公安 (Haikou sends its
# 证件办理 orders to the police's 办证中心), "隔壁在装修 周末也不停" → 城管 (as the hotline does)
# and, unmixed, "你们这个网格员根本不管事 打电话也不接" → 公安. With 办证中心:3 in 户籍证件
# (categories.tsv; 32 of Haikou's 38 orders naming it go to 公安, no other file has it), 2 folds
# mixed 0.5 give 0.7526 / 0.7517 and only the decoration-noise test moves (teddy 0.8205 → 0.8120 on
# one half, one letter, with the word alone as well). The lead's call; learn costs one topic fit
# more per fold.
ROUTE_STACK = 0
ROUTE_STACK_MIX = 0.5     # with ROUTE_STACK: each row is fitted on both its in-sample and its
                          # out-of-fold category, the in-sample one with this share of its weight
# the value of the "decided category" indicator in the route fit: below 1 its weights are
# regularised harder than the words' (0: the route reads the words only)
ROUTE_CATEGORY_VALUE = 0.3
# Only hotline orders teach the route. Tried (2026-11-30 session 5): jiamusi letters with their
# answering unit mapped onto our departments, at weight 0.1: Haikou department 0.730 → 0.733
# cross-fitted (+0.007 on one half, 0 on the other), but jiamusi's 城乡建设局 answers street
# lights, so "楼道灯坏了" / "路灯坏了" went to 住建 instead of 城管, "电梯坏了" to 街道/社区 and
# cooking fumes to 生态环境 (the hotline sends them to 城管): a second city's routing is not ours.

# Rows labelled with a department (hotline orders) fit the topic weights with this weight
# (0: not at all): their label says where the hotline sent an order, which is not always our
# category's department; the route model learns that part.
DEPARTMENT_ROWS_TOPIC = 1.0
_CJK = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def _texts(items: list[Example]) -> list[str]:
    t2s = lexicons(learned=False).t2s
    from nlp.classifier import MAX_CHARS
    return [normalize(e.text, t2s)[:MAX_CHARS] for e in items]


_tokens_cache: dict = {}


def vocabulary(items: list[Example], texts: list[str]) -> list[str]:
    """Words in at least MIN_ROWS rows of at least MIN_SOURCES sources."""
    tokenizer = lexicons(learned=False).tokenizer
    rows: dict[str, int] = {}
    sources: dict[str, set] = {}
    for item, text in zip(items, texts):
        key = (item.source, item.row)
        words = _tokens_cache.get(key)
        if words is None:
            words = _tokens_cache[key] = frozenset(w for w in tokenizer.lcut(text) if _CJK.match(w))
        for word in words:
            rows[word] = rows.get(word, 0) + 1
            sources.setdefault(word, set()).add(item.source)
    return sorted(w for w, n in rows.items() if n >= MIN_ROWS and (
        len(sources[w]) >= MIN_SOURCES or n >= SINGLE_SOURCE_ROWS))


def _source_weights(items: list[Example]):
    """Row weights that give each source a share of the fit between its size (BALANCE 0) and an
    equal share (BALANCE 1): the small files (teddy, liuyan) are not drowned by the large ones."""
    import numpy as np
    counts: dict[str, int] = {}
    for e in items:
        counts[e.source] = counts.get(e.source, 0) + 1
    mean = len(items) / len(counts)
    w = np.array([(mean / counts[e.source]) ** BALANCE for e in items])
    return w * len(items) / w.sum()


def _softmax_fit(features, offsets, allowed, size, l2, per_class_gamma, weights, counts,
                 fixed_gamma=None, tie=None, unit_from=None, unit_value=1.0):
    """Maximise Σ log P(allowed classes) − l2/2 |W|² with P = softmax(gamma·offset + b + XW).

    features: list of lists of column indexes; offsets, allowed: arrays rows × classes;
    weights: row weights; counts: the number of learned words in each row (see values).
    tie: classes × groups 0/1 matrix; the word weights are then per group (a class gets the sum
    of its groups'), W is size × groups. unit_from: columns from this index on are indicators
    (value unit_value, not a share of the row's words). Returns (W, b, gamma). Full-batch Adam, fixed steps:
    deterministic."""
    import numpy as np
    n, classes = offsets.shape
    lengths = np.array([len(f) for f in features], dtype=np.int64)
    rows = np.repeat(np.arange(n), lengths)
    cols = np.fromiter((c for f in features for c in f), dtype=np.int64, count=len(rows))
    # X·W and Xᵀ·D as segment sums (np.add.reduceat) over rows, and over columns once sorted
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    filled = np.flatnonzero(lengths)
    by_col = np.argsort(cols, kind="stable")
    col_sorted = cols[by_col]
    col_ids, col_starts = np.unique(col_sorted, return_index=True)
    row_of_sorted = rows[by_col]
    # each row's words share one unit of evidence (a long letter's many words weigh no more
    # than a short message's few): the value of a word is 1/sqrt(number of words in the row)
    values = (1.0 / np.sqrt(np.maximum(np.asarray(counts), 1)))[rows][:, None]
    if unit_from is not None:
        values[cols >= unit_from] = unit_value
    values_sorted = values[by_col]
    W = np.zeros((size, classes if tie is None else tie.shape[1]))
    b = np.zeros(classes)
    g = np.full(classes if per_class_gamma else 1, fixed_gamma or 1.0)
    params = [W, b, g]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for step in range(1, ITERATIONS + 1):
        z = offsets * g + b
        if len(cols):
            xw = np.add.reduceat(W[cols] * values, starts[filled], axis=0)
            z[filled] += xw if tie is None else xw @ tie.T
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        q = p * allowed
        q /= q.sum(axis=1, keepdims=True)
        d = (p - q) * weights[:, None] / n
        gW = np.zeros_like(W)
        if len(cols):
            dg = d if tie is None else d @ tie
            gW[col_ids] = np.add.reduceat(dg[row_of_sorted] * values_sorted, col_starts,
                                           axis=0)
        gW += l2 / n * W
        gb = d.sum(axis=0) + BIAS_L2 / n * b
        gg = (d * offsets).sum(axis=0)
        if not per_class_gamma:
            gg = np.array([gg.sum()])
        if fixed_gamma is not None:
            gg = np.zeros_like(gg)
        for i, grad in enumerate((gW, gb, gg)):
            m[i] = 0.9 * m[i] + 0.1 * grad
            v[i] = 0.999 * v[i] + 0.001 * grad * grad
            mh, vh = m[i] / (1 - 0.9 ** step), v[i] / (1 - 0.999 ** step)
            params[i] -= STEP * mh / (np.sqrt(vh) + 1e-8)
    return W, b, g


def _features(texts, vocab, cut):
    """Column indexes of the vocabulary words each text holds, found as classify finds them
    (cut: every word the matching knows, vocab and the hand lexicon's)."""
    if not vocab:
        return [[] for _ in texts]
    lookup = vocabulary_index(cut)
    index = {w: i for i, w in enumerate(vocab)}
    return [sorted(index[w] for w in max_match(t, lookup) if w in index) for t in texts]


def _hand_words(lex) -> set:
    """The hand lexicon's topic words: the learned matching cuts them whole too ("红路灯" is
    not "路灯"), whether or not they carry a learned weight."""
    return {w for w in lex.category_words if len(w) > 1 and _CJK.match(w)}


def fit(items: list[Example]) -> list[str]:
    """Fit on the given examples; return the lines of learned.tsv (sorted, deterministic)."""
    import numpy as np

    from nlp.classifier import topic_and_kind_evidence
    lex = lexicons(learned=False)
    texts = _texts(items)
    vocab = vocabulary(items, texts)
    hand_words = _hand_words(lex)
    feats = _features(texts, vocab, set(vocab) | hand_words)
    categories = lex.categories
    plain = [(word, "word", "*", 0.0) for word in sorted(set(vocab) | hand_words)]
    lines = _fit_topic(items, range(len(items)), texts, feats, vocab, lex)
    topic_model = parse(enumerate(_cells(lines + plain), 1), categories)

    if ROUTE:
        deciders = _route_deciders(items, texts, feats, vocab, lex, plain, topic_model)
        lines.extend(_fit_route(items, texts, feats, vocab, lex, deciders))
        topic_model = parse(enumerate(_cells(lines + plain), 1), categories)

    # kind: hand kind scores given the (learned) topic, then the kind weights on top
    kinded = [i for i, e in enumerate(items) if e.kinds]
    offsets = np.zeros((len(kinded), len(KIND_CLASSES)))
    allowed = np.zeros_like(offsets)
    for r, i in enumerate(kinded):
        _, hand = topic_and_kind_evidence(texts[i], lex, topic_model, kind=True)
        offsets[r] = [max(hand["complaint"], hand["help"]), hand["consultation"],
                      hand["suggestion"], hand["praise"]]
        allowed[r] = [k in items[i].kinds for k in KIND_CLASSES]
    W, b, g = _softmax_fit([feats[i] for i in kinded], offsets, allowed, len(vocab), KIND_L2,
                           True, _source_weights([items[i] for i in kinded]),
                           [len(feats[i]) for i in kinded], fixed_gamma=KIND_GAMMA)
    for k, cls in enumerate(KIND_CLASSES):
        lines.append(("@gamma", "kind", cls, float(g[k])))
        lines.append(("@bias", "kind", cls, float(b[k])))
        for w, word in enumerate(vocab):
            if abs(W[w, k]) >= KIND_KEEP:
                lines.append((word, "kind", cls, float(W[w, k])))
    # every vocabulary word stays (weight or not): classify must cut a message into the same
    # words as the fit did, and count them the same (see nlp.weights.word_share)
    weighted = {line[0] for line in lines}
    lines.extend((word, "word", "*", 0.0) for word in sorted(set(vocab) | hand_words)
                 if word not in weighted)
    return ["\t".join(cells) for cells in _cells(lines)]


def _fit_topic(items, subset, texts, feats, vocab, lex) -> list:
    """Topic lines fitted on items[i] for i in subset: rows whose label names a domain or a
    department."""
    import numpy as np

    from nlp.classifier import topic_and_kind_evidence
    categories = lex.categories
    lines = []
    topical = [i for i in subset if (e := items[i])
               and (e.domain or (e.department and DEPARTMENT_ROWS_TOPIC > 0))]
    offsets = np.zeros((len(topical), len(categories)))
    allowed = np.zeros_like(offsets)
    for r, i in enumerate(topical):
        hand, _ = topic_and_kind_evidence(texts[i], lex, EMPTY, kind=False)
        for c, score in hand.items():
            offsets[r, c] = score
        e = items[i]
        for c, cat in enumerate(categories):
            allowed[r, c] = (cat.department == e.department) if e.department else (
                cat.domain == e.domain)
    keep = [r for r in range(len(topical)) if allowed[r].any()]
    # words of the kind lexicons (谢谢, 请问, 投诉, 我们…) say what kind a message is, not its topic
    kind_only = {i for i, word in enumerate(vocab)
                 if word in lex.kind_words or word in lex.negations or word in lex.voice_words}
    # A word's weight belongs to a department and to a domain, shared by their categories: the
    # labels never say which category of a department a row is, so only the hand lexicon (and
    # a small bias) chooses inside one.
    groups = [("department", d) for d in dict.fromkeys(c.department for c in categories)] + [
        ("domain", d) for d in dict.fromkeys(c.domain for c in categories)]
    tie = np.array([[float(g == ("department", c.department) or g == ("domain", c.domain))
                     for g in groups] for c in categories])
    row_weights = _source_weights([items[topical[r]] for r in keep]) * np.array(
        [DEPARTMENT_ROWS_TOPIC if items[topical[r]].department else 1.0 for r in keep])
    W, b, g = _softmax_fit([[c for c in feats[topical[r]] if c not in kind_only] for r in keep],
                           offsets[keep], allowed[keep], len(vocab), TOPIC_L2, False,
                           row_weights,
                           [len(feats[topical[r]]) for r in keep], fixed_gamma=TOPIC_GAMMA,
                           tie=tie)
    lines.append(("@gamma", "topic", "*", float(g[0])))
    for c, cat in enumerate(categories):
        lines.append(("@bias", "topic", cat.name, float(b[c])))
    for k, (model, name) in enumerate(groups):
        for w, word in enumerate(vocab):
            if abs(W[w, k]) >= TOPIC_KEEP:
                lines.append((word, model, name, float(W[w, k])))
    return lines


def _route_deciders(items, texts, feats, vocab, lex, plain, topic_model) -> dict:
    """The topic models (a list per row) that decide each department-labelled row's category for
    the route fit: the one fitted on every row, or with ROUTE_STACK folds a row's category is decided by topic weights fitted without its fold
    (as classify meets a new message): topic weights fitted on the row itself name its
    department far more often than they will on new text, and the route then learns to trust the
    category's own department too much."""
    labelled = [i for i, e in enumerate(items) if e.department]
    if ROUTE_STACK < 2:
        return {i: [(topic_model, 1.0)] for i in labelled}
    out = {i: [(topic_model, ROUTE_STACK_MIX)] if ROUTE_STACK_MIX else [] for i in labelled}
    for k in range(ROUTE_STACK):
        held = {i for n, i in enumerate(labelled) if n % ROUTE_STACK == k}
        lines = _fit_topic(items, [i for i in range(len(items)) if i not in held], texts, feats,
                           vocab, lex)
        fold = parse(enumerate(_cells(lines + plain), 1), lex.categories)
        for i in held:
            out[i].append((fold, 1.0 - ROUTE_STACK_MIX))
    return out


def _fit_route(items, texts, feats, vocab, lex, deciders) -> list:
    """Route lines: which department gets a message, given its category (decided with the
    topic model) and its words. Fitted on the rows labelled with a department: a weight per
    (category, department), per (word, department), a bias per department, on top of the
    category's own department (one fitted scale)."""
    import numpy as np

    from nlp.kind import head_length
    from nlp.topic import decide_topic
    labelled = [i for i, e in enumerate(items) if e.department]
    # only the departments the labels name are routed to and from: a department the hotline
    # never names (文旅, 应急管理/消防 in Haikou) keeps its categories (its rows are not scored)
    departments = sorted({items[i].department for i in labelled}
                         & {c.department for c in lex.categories})
    if not departments:
        return []
    col = {d: k for k, d in enumerate(departments)}
    names = [c.name for c in lex.categories]
    default = {c.name: c.department for c in lex.categories}
    name_col = {n: len(vocab) + k for k, n in enumerate(names)}
    rows, features, decided, shares = [], [], [], []
    for i in labelled:
        text = texts[i]
        for decider, share in deciders[i]:
            category = decide_topic(text, lex, head_length(text), decider.found(text),
                                    decider)[0]
            if default.get(category) in col and items[i].department in col:
                rows.append(i)
                decided.append(category)
                shares.append(share)
                features.append(feats[i] + ([name_col[category]] if ROUTE_CATEGORY_VALUE
                                            else []))
    offsets = np.zeros((len(rows), len(departments)))
    allowed = np.zeros_like(offsets)
    for r, i in enumerate(rows):
        offsets[r, col[default[decided[r]]]] = 1.0
        allowed[r, col[items[i].department]] = 1.0
    keep = [r for r in range(len(rows)) if allowed[r].any()]
    W, b, g = _softmax_fit([features[r] for r in keep], offsets[keep], allowed[keep],
                           len(vocab) + len(names), ROUTE_L2, False,
                           _source_weights([items[rows[r]] for r in keep])
                           * np.array([shares[r] for r in keep]),
                           # each word's share as classify counts it in the route (at least
                           # ROUTE_MIN_WORDS words: nlp.weights.route_share)
                           [max(len(feats[rows[r]]), ROUTE_MIN_WORDS) for r in keep],
                           unit_from=len(vocab),
                           unit_value=ROUTE_CATEGORY_VALUE)
    lines = [("@gamma", "route", "*", float(g[0]))]
    lines += [("@bias", "route", d, float(b[k])) for k, d in enumerate(departments)]
    for k, d in enumerate(departments):
        for n, name in enumerate(names):
            weight = W[len(vocab) + n, k] * ROUTE_CATEGORY_VALUE
            if abs(weight) >= ROUTE_KEEP:
                lines.append((f"@from:{name}", "route", d, float(weight)))
        for w, word in enumerate(vocab):
            if abs(W[w, k]) >= ROUTE_KEEP:
                lines.append((word, "route", d, float(W[w, k])))
    return lines


def _cells(lines):
    specials = [l for l in lines if l[0].startswith("@")]
    words = sorted((l for l in lines if not l[0].startswith("@")), key=lambda l: l[:3])
    return [[w, m, c, f"{x:.3f}"] for w, m, c, x in specials + words]


def model(lines: list[str]) -> Weights:
    """The Weights that classify would load from these learned.tsv lines."""
    return parse(((n, line.split("\t")) for n, line in enumerate(lines, 1)),
                 lexicons(learned=False).categories)


HEADER = """# Keyword weights learned from the dev files by `python -m nlp learn` (do not edit by hand:
# rebuild after changing categories.tsv or the kind lexicons). Vocabulary statistics only: words
# in at least {rows} rows of at least {sources} sources, each with a weight per class.
# Columns (TAB): word, model (department|domain|kind|route|word), class (a department or
# domain, report/consultation/suggestion/praise, or for route the department a ticket goes to),
# weight. @gamma scales the hand-lexicon score of a class (for route: of the category's own
# department), @bias is its bias; @from:<category> is route's weight for that category.
"""


# The fit reads jieba's cuts and the lexicons through structures whose order follows Python's
# string hashing; the last digit of a weight can move with it. The file is written under one
# fixed PYTHONHASHSEED so that it is the same on every machine (write_fixed below).
HASH_SEED = "0"


def write_fixed(data: Path = DEFAULT_DATA, out: Path | None = None) -> Path:
    """write() in a fresh interpreter with PYTHONHASHSEED=HASH_SEED: the same bytes anywhere."""
    import os
    import subprocess
    import sys
    out = out or DATA / LEARNED_FILE
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                    "from nlp.learn import write; write(Path(sys.argv[1]), Path(sys.argv[2]))",
                    str(data), str(out)], check=True,
                   env={**os.environ, "PYTHONHASHSEED": HASH_SEED})
    return out


def write(data: Path = DEFAULT_DATA, out: Path | None = None) -> Path:
    out = out or DATA / LEARNED_FILE
    lines = fit(examples(data, SOURCES))
    out.write_text(HEADER.format(rows=MIN_ROWS, sources=MIN_SOURCES) + "\n".join(lines) + "\n",
                   encoding="utf-8")
    return out
