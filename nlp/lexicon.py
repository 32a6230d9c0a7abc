"""Load the lexicons in nlp/data/ (TSV files a non-programmer can edit) and the jieba tokenizer.

Everything is loaded lazily, once per process, by `lexicons()`; `nlp.load()` calls it at start-up.
"""
from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import jieba
from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

DATA = Path(__file__).parent / "data"
KINDS = ("complaint", "consultation", "help", "suggestion", "praise", "other")
DOMAINS = ("城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "卫生计生", "商贸旅游",
           "公共安全", "民政服务", "政务服务", "农业农村", "其他")
URGENCIES = ("normal", "urgent", "emergency")

_lock = threading.Lock()


class LexiconError(ValueError):
    """A data file has a line that cannot be read; the message names the file and line."""


def rows(name: str, columns: int, optional: int = 0):
    """Yield (line number, cells) of a TSV file, skipping blank lines and # comments."""
    path = DATA / name
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        while cells and not cells[-1] and len(cells) > columns - optional:
            cells.pop()
        if not columns - optional <= len(cells) <= columns:
            raise LexiconError(f"{name}:{number}: expected {columns} TAB-separated columns, "
                               f"got {len(cells)}: {line!r}")
        yield number, cells + [""] * (columns - len(cells))


@dataclass(frozen=True)
class Category:
    name: str
    domain: str
    department: str


@dataclass(frozen=True)
class Faq:
    id: str
    topics: tuple
    intents: tuple
    question: str
    answer: str
    general: bool = False   # about the office itself (hours, address): yields to a named service


@dataclass(frozen=True)
class Lexicons:
    tokenizer: jieba.Tokenizer
    t2s: dict                 # str.translate table, traditional → simplified
    kind_words: dict          # word → tuple of (kind, weight)
    kind_finder: WordFinder   # finds the kind words
    kind_patterns: tuple      # (compiled regex, kind, weight, leading strings or None)
    kind_triggers: WordFinder # finds the leading strings of kind_patterns
    kind_by_leading: dict     # leading string → indexes of the kind_patterns it (or a prefix) starts
    kind_always: tuple        # (index, gate) of the kind_patterns without known leading strings:
                              # the pattern runs where gate (None: always) finds something
    kind_anchored: frozenset  # indexes of the kind_patterns that only match at the start (^…)
    negations: frozenset
    negation_ends: frozenset  # the last characters of the negation words
    categories: tuple         # Category, in file order
    category_words: dict      # word → tuple of (category index, weight)
    category_finder: WordFinder   # finds the category words
    urgency_re: re.Pattern    # alternation of single urgency words, longest first
    urgency_words: dict       # word → (level, label)
    urgency_combos: tuple     # (parts, level, label); a part: a tuple of alternative words
    defuse_before: tuple      # urgency_defuse.tsv: a time gone by, before an urgent state
    defuse_after: tuple       # the state seen to, after it
    faqs: tuple
    category_kinds: dict      # category name (or DEFAULT) → (kind, weight)
    urgency_routes: dict      # emergency label → Category, for messages with no other topic
    voice_finder: WordFinder  # finds the kind_voice.tsv words
    voice_words: dict         # word → (kind, weight): who speaks (a group → a report)
    learned: object           # nlp.weights.Weights from learned.tsv (`python -m nlp learn`)
    # What nlp.kind runs, built from the fields above: per kind_patterns row (None, or for a rule
    # anchored at the start its _opening; the regex, compiled by _searching where it is not
    # anchored; kind; weight); the indexes of the rows that run on every message; the (index,
    # _gate_finder) of the gated ones; and the rows to run, in file order, per (leading strings
    # found, gated rows whose gate found something), filled in as messages come (see nlp.kind).
    kind_rules: tuple = ()
    kind_plain: tuple = ()
    kind_gated: tuple = ()
    kind_plans: dict = field(default_factory=dict, compare=False)
    urgency_ongoing: tuple = ()   # urgency_defuse.tsv: the state goes on (no hedge holds)


def _float(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise LexiconError(f"{where}: {text!r} is not a number") from None


def first_literals(pattern: str, limit: int = 64, optional: bool = False):
    """The literal strings one of which every match of the pattern starts with ("是否", "能否",
    …), or None when that cannot be told. classify only runs a pattern when one of its leading
    strings occurs in the message, which keeps dozens of phrase rules cheap. limit: at most this
    many strings; optional: also look through an optional part ("(关于|对)?加强" starts with
    关于加强, 对加强 or 加强)."""
    from re import _constants as c, _parser as parser  # standard library, parser internals

    def walk(items):
        """Return (set of prefixes, whether the whole item list was consumed)."""
        results = {""}
        for op, arg in items:
            if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
                continue  # zero-width: the next item still starts the match
            if op is c.LITERAL:
                sub, complete = {chr(arg)}, True
            elif op is c.IN and all(iop is c.LITERAL for iop, _ in arg):
                sub, complete = {chr(iarg) for _, iarg in arg}, True
            elif op is c.SUBPATTERN:
                sub, complete = walk(arg[-1])
            elif op is c.BRANCH:
                sub, complete = set(), True
                for branch in arg[1]:
                    part, done = walk(branch)
                    sub |= part
                    complete = complete and done
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[0] >= 1:
                sub, _ = walk(arg[2])
                complete = False
            elif optional and op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[:2] == (0, 1):
                sub, complete = walk(arg[2])
                sub = sub | {""}   # present or not, what follows comes next
            else:
                return results, False
            if ("" in sub and not optional) or len(results) * len(sub) > limit:
                return results, False
            results = {r + s for r in results for s in sub}
            if not complete:
                return results, False
        return results, True

    try:
        found, _ = walk(parser.parse(pattern))
    except Exception:  # an unusual pattern: always run it
        return None
    return None if "" in found else frozenset(found)


def anchored(pattern: str) -> bool:
    """Whether every match of the pattern starts at the beginning of the text (it opens with ^
    or \\A outside any alternative): then one `match` finds what `finditer` would."""
    from re import _constants as c, _parser as parser  # standard library, parser internals
    try:
        items = parser.parse(pattern)
    except Exception:
        return False
    if not len(items) or items[0][0] is not c.AT:
        return False
    return items[0][1] is c.AT_BEGINNING_STRING or (
        items[0][1] is c.AT_BEGINNING and not items.state.flags & re.MULTILINE)  # (?m)^: lines


def _gate(pattern: str) -> re.Pattern | None:
    """For a phrase rule without leading strings (kind_triggers cannot start it, so it would run
    on every message): an expression finding the first two characters of any string a match can
    start with, looked for before the rule runs (a text without any holds no match). None when
    those strings cannot be told."""
    if re.compile(pattern).flags & re.IGNORECASE:
        return None   # its letters may stand in either case
    starts = first_literals(pattern, limit=4096, optional=True)
    return re.compile(trie_pattern({s[:2] for s in starts})) if starts else None


def _gate_finder(pattern: str):
    """_gate's test as nlp.kind runs it: whether any of those first two characters stand in a
    text, told by an automaton scan (a non-empty list where they do) instead of a regex search
    (half the instructions)."""
    return WordFinder({s[:2] for s in first_literals(pattern, limit=4096, optional=True)}).findall


def _opening(compiled: re.Pattern) -> tuple:
    """For a rule anchored at the start: (n, the first n characters of every string a match can
    start with), n at most 2, or (0, {""}) when those strings cannot be told: a text whose first
    n characters are none of them holds no match, and `match` need not be tried."""
    starts = None if compiled.flags & re.IGNORECASE else first_literals(
        compiled.pattern, limit=4096, optional=True)
    if not starts:
        return 0, frozenset({""})
    size = min(2, min(len(s) for s in starts))
    return size, frozenset(s[:size] for s in starts)


def _searching(compiled: re.Pattern) -> re.Pattern:
    """A phrase rule as nlp.kind searches it: with the first characters of the strings its
    matches can start with as the search's first-character set (compile_starting), so that the
    engine passes over every other position in C instead of trying the rule there (a rule
    opening on a group of alternatives, "(进度|进展|…)…|(办|处理|…)…", is otherwise tried at
    every position: 0.57 against 0.12 µs a bench message). The same matches; the rule itself
    where those strings cannot be told."""
    starts = None if compiled.flags & re.IGNORECASE else first_literals(
        compiled.pattern, limit=4096, optional=True)
    if not starts:
        return compiled
    firsts = "".join(re.escape(c) for c in sorted({s[0] for s in starts}))
    return compile_starting(compiled.pattern, f"[{firsts}]")


def _load_kinds():
    words: dict[str, list] = {}
    for number, (word, kind, weight) in rows("kinds.tsv", 3):
        if kind not in KINDS:
            raise LexiconError(f"kinds.tsv:{number}: unknown kind {kind!r}")
        words.setdefault(word, []).append((kind, _float(weight, f"kinds.tsv:{number}")))
    patterns = []
    for number, (pattern, kind, weight) in rows("kind_patterns.tsv", 3):
        if kind not in KINDS + ("ignore", "solved"):
            raise LexiconError(f"kind_patterns.tsv:{number}: unknown kind {kind!r}")
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            raise LexiconError(f"kind_patterns.tsv:{number}: bad pattern: {error}") from None
        patterns.append((compiled, kind, _float(weight, f"kind_patterns.tsv:{number}"),
                         first_literals(pattern)))
    negations = frozenset(cells[0] for _, cells in rows("negations.tsv", 1))
    return {w: tuple(v) for w, v in words.items()}, tuple(patterns), negations


def _load_categories():
    categories, words = [], {}
    for number, (name, domain, department, keywords) in rows("categories.tsv", 4):
        if domain not in DOMAINS:
            raise LexiconError(f"categories.tsv:{number}: unknown domain {domain!r}")
        index = len(categories)
        categories.append(Category(name, domain, department))
        for item in keywords.split(","):
            item = item.strip()
            if not item:
                continue
            word, _, weight = item.partition(":")
            value = _float(weight, f"categories.tsv:{number}") if weight else 1.0
            words.setdefault(word.strip(), []).append((index, value))
    return tuple(categories), {w: tuple(v) for w, v in words.items()}


def trie_pattern(words) -> str:
    """One regular expression matching any of the words, shaped as a trie so that it runs in
    time linear in the text whatever the number of words, and prefers the longest word."""
    root: dict = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = True

    def build(node) -> str:
        branches = [re.escape(char) + build(child)
                    for char, child in sorted(node.items(), key=lambda kv: kv[0]) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


def compile_starting(pattern: str, firsts: str) -> re.Pattern:
    """re.compile(pattern) for a pattern every match of which starts with a character of the
    class `firsts` ("[…]": an entity look-out behind a lookahead of its first characters), with
    that class as the search's first-character set: the engine then passes over a position
    holding none of them in a tight loop instead of trying the pattern there (the standard
    compiler only finds such a set when the pattern starts with a plain character
    class or literal). Same matches (tests/nlp/test_lexicon.py checks it); the plain compiled
    pattern when this Python's regex compiler works otherwise."""
    compiled = re.compile(pattern)
    if compiled.flags & re.IGNORECASE:
        return compiled
    try:
        import _sre
        from re import _compiler, _parser   # standard library, compiler internals
        parsed = _parser.parse(pattern, 0)
        flags = parsed.state.flags
        code: list = []
        first = _parser.parse(firsts, flags)
        if len(first.data) != 1 or first.data[0][0] is not _parser.IN:
            return compiled   # one character class only (a literal would be taken for all)
        _compiler._compile_info(code, first, flags)
        _compiler._compile(code, parsed.data, flags)
        code.append(_compiler.SUCCESS)
        names = [None] * parsed.state.groups
        for name, number in parsed.state.groupdict.items():
            names[number] = name
        return _sre.compile(pattern, flags, code, parsed.state.groups - 1,
                            parsed.state.groupdict, tuple(names))
    except Exception:   # another Python's internals: the plain pattern finds the same
        return compiled


class WordFinder:
    """The words of a list in a text, found as trie_pattern's expression finds them (at each
    place from the left the longest word starting there, then on after it: leftmost-longest,
    non-overlapping), by one Aho-Corasick automaton in compiled code (ahocorasick_rs): a
    message is read once, outside the interpreter and the regex engine, whatever the number
    of words. findall(text) → the words in order; spans(text) → (word index, start, end) in
    characters, the word being words[index]."""

    __slots__ = ("words", "longest", "findall", "spans")

    def __init__(self, words):
        self.words = tuple(sorted(words))
        self.longest = max(map(len, self.words), default=0)
        if not self.words:
            self.findall = self.spans = _no_words
            return
        automaton = AhoCorasick(self.words, matchkind=MatchKind.LeftmostLongest,
                                store_patterns=True, implementation=implementation(self.words))
        self.findall = automaton.find_matches_as_strings
        self.spans = automaton.find_matches_as_indexes


DFA_WORDS = 1000   # an automaton of at most this many words is built as a DFA


def implementation(words) -> Implementation | None:
    """The automaton for a word list: a DFA for a short list (one table read per byte of text,
    where the default contiguous NFA may follow failure links through cold memory: 68 fewer L1
    data misses a bench message over the five small automata, for 4 MB), the default for a
    long one (a DFA of the 28,810 emergency signals or the danger net's 13,400 grams would
    take tens of MB)."""
    return Implementation.DFA if len(words) <= DFA_WORDS else None


def _no_words(text: str) -> list:
    return []


def _load_urgency():
    single, combos = {}, []
    for number, (words, level, label) in rows("urgency.tsv", 3, optional=1):
        if level not in URGENCIES[1:]:
            raise LexiconError(f"urgency.tsv:{number}: level must be urgent or emergency")
        # a combination: every part (one word of its alternatives, 停水|没水) in the message
        parts = tuple(tuple(a for a in p.split("|") if a) for p in words.split("&") if p)
        if len(parts) > 1:
            combos.append((parts, level, label or level))
        elif single.get(parts[0][0], ("normal",))[0] != "emergency":
            single[parts[0][0]] = (level, label or level)
    alternation = trie_pattern(single)
    hedges = {"before": [], "after": [], "ongoing": []}
    for number, (word, where) in rows("urgency_defuse.tsv", 2, optional=1):
        if where not in hedges:
            raise LexiconError(f"urgency_defuse.tsv:{number}: where must be before/after/ongoing")
        hedges[where].append(word)
    return (re.compile(alternation), single, tuple(combos),
            *(tuple(hedges[where]) for where in ("before", "after", "ongoing")))


def _load_category_kinds(categories):
    known = {c.name for c in categories} | {"DEFAULT"}
    leanings = {}
    for number, (name, kind, weight) in rows("category_kinds.tsv", 3):
        if name not in known or kind not in KINDS:
            raise LexiconError(f"category_kinds.tsv:{number}: unknown category or kind")
        leanings[name] = (kind, _float(weight, f"category_kinds.tsv:{number}"))
    return leanings


def _load_voice():
    words = {}
    for number, (word, kind, weight) in rows("kind_voice.tsv", 3):
        if kind not in KINDS:
            raise LexiconError(f"kind_voice.tsv:{number}: unknown kind {kind!r}")
        words[word] = (kind, _float(weight, f"kind_voice.tsv:{number}"))
    return WordFinder(words), words


def _load_urgency_routes(categories):
    by_name = {c.name: c for c in categories}
    routes = {}
    for number, (label, name) in rows("urgency_routes.tsv", 2):
        if name not in by_name:
            raise LexiconError(f"urgency_routes.tsv:{number}: unknown category {name!r}")
        routes[label] = by_name[name]
    return routes


def _empty_weights():
    from nlp.weights import EMPTY
    return EMPTY


def _load_learned(categories):
    from nlp.weights import EMPTY, LEARNED_FILE, parse
    if not (DATA / LEARNED_FILE).exists():
        return EMPTY
    return parse(rows(LEARNED_FILE, 4), categories)


def _load_faqs():
    faqs = []
    for _, (fid, topics, intents, question, answer) in rows("faq.tsv", 5):
        general = topics.startswith("*")
        faqs.append(Faq(fid, tuple(t.strip() for t in topics.lstrip("*").split(",") if t.strip()),
                        tuple(t.strip() for t in intents.split(",") if t.strip()), question, answer,
                        general))
    return tuple(faqs)


def _load_t2s():
    table = {}
    for number, (traditional, simplified) in rows("t2s.tsv", 2):
        if len(traditional) != 1:
            raise LexiconError(f"t2s.tsv:{number}: one character per line")
        table[ord(traditional)] = simplified
    return table


@functools.cache
def _build(learned: bool = True) -> Lexicons:
    kind_words, kind_patterns, negations = _load_kinds()
    categories, category_words = _load_categories()
    (urgency_re, urgency_words, combos, defuse_before, defuse_after,
     urgency_ongoing) = _load_urgency()
    tokenizer = jieba.Tokenizer()
    logging.getLogger("jieba").setLevel(logging.WARNING)  # its start-up chatter (stderr only)
    tokenizer.initialize()
    for word in {*kind_words, *category_words, *negations}:
        if len(word) > 1 and not word.isascii():
            tokenizer.add_word(word)
    category_finder = WordFinder(category_words)
    kind_finder = WordFinder(kind_words)
    leading = {w for *_, starts in kind_patterns if starts for w in starts}
    kind_triggers = WordFinder(leading)
    by_leading: dict[str, list] = {}
    for index, (*_, starts) in enumerate(kind_patterns):
        for word in starts or ():
            by_leading.setdefault(word, []).append(index)
    # A leading string found in a message also starts every pattern led by one of its prefixes.
    by_leading = {w: sorted({i for n in range(1, len(w) + 1) for i in by_leading.get(w[:n], ())})
                  for w in leading}
    starts_at_0 = frozenset(i for i, (compiled, *_) in enumerate(kind_patterns)
                            if anchored(compiled.pattern))
    always = tuple((i, None if i in starts_at_0 else _gate(compiled.pattern))
                   for i, (compiled, *_, starts) in enumerate(kind_patterns) if starts is None)
    t2s = _load_t2s()
    _fold(t2s)   # built now, not on the first message
    return Lexicons(tokenizer, t2s, kind_words, kind_finder, kind_patterns, kind_triggers,
                    {w: tuple(v) for w, v in by_leading.items()}, always, starts_at_0, negations,
                    frozenset(word[-1] for word in negations), categories,
                    category_words, category_finder, urgency_re, urgency_words, combos,
                    defuse_before, defuse_after, _load_faqs(),
                    _load_category_kinds(categories), _load_urgency_routes(categories), *_load_voice(),
                    _load_learned(categories) if learned else _empty_weights(),
                    kind_rules=tuple(
                        (_opening(compiled), compiled, kind, weight) if i in starts_at_0
                        else (None, _searching(compiled), kind, weight)
                        for i, (compiled, kind, weight, _) in enumerate(kind_patterns)),
                    kind_plain=tuple(i for i, gate in always if gate is None),
                    kind_gated=tuple((i, _gate_finder(kind_patterns[i][0].pattern))
                                     for i, gate in always if gate is not None),
                    urgency_ongoing=urgency_ongoing)


def standalone(text: str, start: int, end: int, freq: dict) -> bool:
    """True when the one-character match text[start:end] is a word of its own there, i.e. not
    the first or last character of a word in jieba's dictionary ("求" in "要求", "么" in "什么",
    "差" in "出差"). Longer matches are always words."""
    if end - start > 1:
        return True
    # at either end of the text there is no neighbour: the character alone is no longer word
    return not (freq.get(text[start - 1:end], 0) if start else 0) and not (
        freq.get(text[start:end + 1], 0) if end < len(text) else 0)


_built: list = [None]   # lexicons() once built: classify reads it without taking the lock


def lexicons(learned: bool = True) -> Lexicons:
    """The lexicons and tokenizer of this process (built on first call, thread-safe).
    learned=False leaves out learned.tsv (`python -m nlp learn` fits without reading it)."""
    if learned and _built[0] is not None:
        return _built[0]
    with _lock:
        lex = _build(learned)
        if learned:
            _built[0] = lex
        return lex


def reload() -> Lexicons:
    """Re-read the data files (after editing them in a running process)."""
    with _lock:
        _built[0] = None
        _build.cache_clear()
        _built[0] = lex = _build()
        return lex


_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_ANY_SPACE = re.compile(r"\s")
# A lone surrogate (no UTF-8 text holds one) becomes U+FFFD: the word finders read UTF-8, and no
# word holds either.
_SURROGATES = re.compile("[\ud800-\udfff]")
# Characters that NFKC maps one by one, none of them ever composing with a neighbour (no
# combining marks in or out): tab, line breaks, ASCII, general and CJK punctuation, the CJK
# ideographs and full-width ASCII. Nearly every message is made of them only, and is then
# normalized by one str.translate; tests/nlp/test_lexicon.py checks these ranges.
SIMPLE_RANGES = ((0x09, 0x0A), (0x0D, 0x0D), (0x20, 0x7E), (0x2010, 0x2016), (0x2018, 0x203D),
                 (0x203F, 0x205E), (0x3000, 0x3029), (0x3030, 0x303F), (0x4E00, 0x9FFF),
                 (0xFF01, 0xFF5E))
_NOT_SIMPLE = re.compile("[^" + "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in SIMPLE_RANGES) + "]")
_FOLDS: dict = {}   # id(t2s table) → (table, what _folding returns)


def _fold(table: dict) -> dict:
    """The str.translate table doing NFKC and then `table` on the SIMPLE_RANGES characters."""
    return _folding(table)[0]


def _folding(table: dict) -> tuple:
    """(_fold table, an expression finding any character normalize may change: one outside
    SIMPLE_RANGES, one the fold table maps, white space; the replacement of one such character
    by re.sub; the characters of SIMPLE_RANGES it finds; those of them that are or give white
    space; character → what it becomes, for str.replace, or None where a replacement could be
    folded again). A text it finds nothing in is its own normalization, told by one scan of a
    character class; the characters it finds tell whether the text is all SIMPLE_RANGES and
    whether its folded form holds white space, without another scan."""
    known = _FOLDS.get(id(table))
    if known is None or known[0] is not table:
        fold, kept = {}, []
        for low, high in SIMPLE_RANGES:
            for code in range(low, high + 1):
                char = chr(code)
                out = unicodedata.normalize("NFKC", char).translate(table)
                if out != char:
                    fold[code] = out
                elif not char.isspace():
                    kept.append(code)
        spans = []   # the kept characters as ranges of consecutive code points
        for code in kept:
            if spans and spans[-1][1] == code - 1:
                spans[-1][1] = code
            else:
                spans.append([code, code])
        changing = re.compile("[^" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in spans) + "]")
        if len(_FOLDS) >= 4:
            _FOLDS.clear()   # tables of lexicons reloaded since: no longer used
        by_char = {chr(code): out for code, out in fold.items()}
        get = by_char.get

        def folded(match: re.Match) -> str:
            char = match.group()
            return get(char, char)   # white space is kept here, collapsed later

        # When no character a fold gives is folded again (the table is its own fixed point),
        # replacing each distinct found character with str.replace is the one pass of re.sub
        # (no replacement is touched again), without a Python call per character found.
        replacing = by_char if all(get(char, char) == char
                                   for out in by_char.values() for char in out) else None

        simple = frozenset(chr(code) for low, high in SIMPLE_RANGES
                           for code in range(low, high + 1)) - frozenset(chr(c) for c in kept)
        spacey = frozenset(char for char in simple
                           if any(c.isspace() for c in by_char.get(char, char)))
        known = _FOLDS[id(table)] = (table, (fold, changing, folded, simple, spacey, replacing))
    _LAST_FOLDING[:] = known
    return known[1]


_LAST_FOLDING: list = [None, None]   # the last (table, _folding's answer): normalize's fast path


def normalize(text: str, table: dict) -> str:
    """NFKC (full-width → half-width), traditional → simplified, collapsed white space
    (line breaks are kept: the first line often says what the message is), a lone surrogate
    as U+FFFD."""
    last, folding = _LAST_FOLDING   # (one list read: a reload replaces both at once)
    _, changing, folded, simple, spacey, replacing = folding if last is table else _folding(table)
    found = changing.findall(text)
    if not found:
        return text   # nothing to fold, no space to collapse
    if simple.issuperset(found):   # _NOT_SIMPLE finds nothing in the text
        # NFKC, char by char, and the table at once: text.translate(fold), replacing only the
        # few characters that change (a translate looks up every character): each distinct one
        # by str.replace where the table allows it (see _folding), else by re.sub
        if replacing is not None:
            for char in set(found):
                into = replacing.get(char)
                if into is not None:
                    text = text.replace(char, into)
        else:
            text = changing.sub(folded, text)
        if spacey.isdisjoint(found):
            return text   # no white space in the text nor in what its characters became
    else:
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
        text = _SURROGATES.sub("\ufffd", text.translate(table))
    if _ANY_SPACE.search(text) is None:
        return text
    return _NEWLINES.sub("\n", _SPACES.sub(" ", text)).strip()


NAMES_TOPIC = 3.0   # categories.tsv's weight for "a word that names the topic on its own"


def names_topic(result, lex: Lexicons | None = None) -> bool:
    """Whether a classification's category was named by one of its own words of weight 3 or
    more ("狗", "电梯", "油烟"), not only hinted at ("晚上", "门口") or guessed from learned
    words: a follow-up that names another topic is another matter."""
    lex = lex or lexicons()
    index = next((i for i, c in enumerate(lex.categories) if c.name == result.category), None)
    return index is not None and any(
        i == index and weight >= NAMES_TOPIC
        for word in result.keywords.get("category", ())
        for i, weight in lex.category_words.get(word, ()))
