"""Is a person in danger now? The emergency taxonomy (emergency_categories.tsv) and its signals.

A signal (emergency_signals.tsv) is a danger state: a symptom (叫不醒, 口吐白沫, 半边身子动不了),
a hazard with people in it (冒烟 + 门缝, 开裂 + 里面还住着人) or an act (拿刀砍人). Some count on their
own; others only with a context word of a named set (emergency_context.tsv: a person at risk,
immediacy, a dwelling, water…) in the same sentence; emergency_patterns.tsv adds the shapes of a
danger (厥过去, 满脸是血). A hedge near it in its clause or sentence (prevention, history,
training, worry, a near miss, emergency_defuse.tsv) makes the danger only urgent, unless a word of
immediacy stands between. Every word list is searched at once by one automaton
(nlp.lexicon.WordFinder), so the cost does not grow with the number of words.
"""
from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass

from ahocorasick_rs import AhoCorasick, MatchKind

from nlp import latin
from nlp.lexicon import (LexiconError, Lexicons, WordFinder, first_literals, implementation,
                         lexicons, rows)

CALLS = {"medical": "120", "fire": "119", "police": "110"}
_SENTENCE_END = re.compile(r"[。！？!?；;\n]")
_CLAUSE_END = re.compile(r"[。！？!?；;\n，,、：:~～…（）()]")
# A date told before a danger (5月2日, 12号, 2013年) makes it history, like 去年 does. A number of
# an address is no date: 和平路23号, 3号楼, 12号院 (frightened people write where they are first).
_DATE = re.compile(r"\d+\s*(?:月|日|年)|(?<![\d路街巷弄道村里区])\d+\s*号(?![楼院门栋房室铺店线口床])")
# A long letter is written after the fact: past a short opening, a danger in it counts only with
# a word of immediacy in its sentence ("……现在楼道着火了！"). WeChat reports are short.
LETTER_CHARS, LETTER_OPENING = 120, 40
# A voice message (WeChat writes what the resident said, without punctuation, spaces where they
# paused) is long when they ramble, but it is no letter written after the fact: a letter has
# punctuation. A filler said between two pauses inside a phrase ("手卡在 那个 绞肉机里了") is taken
# out with its pauses, so the phrase reads whole; a bare pause stays a pause.
_PUNCTUATED = re.compile(r"[。！？!?；;\n，,、：:]")
_FILLER = re.compile(r"(?<=[\u4e00-\u9fff]) (?:(?:那个|这个|嗯|呃|哎|就是) )+(?=[\u4e00-\u9fff])")
# A new matter opened at the start of a clause (还有, 另外, 对了…): a hedge of the matter before it
# does not reach the danger after it ("垃圾好几天没收了 还有隔壁家一直有烟冒出来").
_TURN = re.compile(r"(?:^|(?<=[。！？!?；;\n，, ]))(?:还有|另外|对了|顺便|再有|再就是)")
_CONTEXT_HEDGES = ("negation", "prevention", "near_miss")   # "没有人被困", "…容易中毒",
# "差点砸到人": no one is at risk now
# Hedges that hold whatever the immediacy: a harmless source (烟囱 smoking now is a chimney), a
# pet, nobody at risk (人没事), an accident that explains a scream (蒸汽, 打翻: the scream is the
# burned person's). Every other hedge yields to a word of immediacy.
_HOLDING = frozenset({"nuisance", "pet", "nobody", "accident", "joke"})
_RIGHT_AFTER = 4   # "报警器一直响": immediacy right after a hedge that follows the danger undoes it
# Passive markers of dialects read as 被: Sichuan 遭 (遭抢了, 遭车撞了, 脑壳遭打破了); Cantonese 畀
# is folded into 被 by t2s.tsv. Every signal and pattern that starts with 被 also starts with 遭.
_PASSIVES = ("遭",)
# Wu 勿 for 不 (讲勿清爽, 抬勿起来) and 寻 for 找 (寻不着): every signal, pattern and context word
# with 不 (找不) also has its form with 勿 (寻不), built at load so the search costs nothing more.
_DIALECT = (("不", "勿"), ("找不", "寻不"))
_GROUP = re.compile(r"\(([^()]*)\)")   # 按(在|)地上(打|踢): a word family written at once


@dataclass(frozen=True)
class EmergencyCategory:
    id: str
    type: str           # medical | fire | police
    call: str           # 120 | 119 | 110
    department: str
    domain: str
    name: str           # Chinese label for agents, also the ticket's category

    def as_contract(self) -> dict:
        """The dict Classification.emergency carries."""
        return {"type": self.type, "category": self.id, "name": self.name, "call": self.call,
                "department": self.department}


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple       # EmergencyCategory in priority order
    signal_finder: WordFinder
    signals: dict           # word → tuple of (category index or -1 for "none", needs)
    see_through: frozenset  # signals that count only with context: they hide no word inside them
    dangers: frozenset      # signals with a rule of some category
    urgents: frozenset      # words of urgency.tsv
    pattern_keys: object    # every place a key of pattern_by_two or pattern_by_one stands, as
                            # (key index, start, end): an overlapping automaton search
    pattern_expressions: tuple   # per key index, its expression (pattern_by_two or _by_one's)
    pattern_by_two: dict    # two characters → the patterns that may start with them, one regex
                            # with a named group per pattern (p0, p1…)
    pattern_by_one: dict    # one character → the patterns whose leading string is that character
    patterns: tuple         # per pattern: its (category index, needs) rules
    context_finder: WordFinder
    contexts: dict          # word → frozenset of set names
    defuse_finder: WordFinder
    defusers: dict          # word → tuples of (what, where, reaches the sentence, window,
                            # category ids or None for all)
    soothing: frozenset = frozenset()   # hedge words that only name a harmless source (烟囱,
                            # 抽烟): what they hedge is a nuisance, not even urgent
    edges: dict = None      # word of any list → whether it starts, ends with a Latin letter
                            # (nlp.latin: such a word counts only as a whole word)
    latin_signals: frozenset = frozenset()   # the signals with a Latin letter, in every case


@dataclass(frozen=True)
class Finding:
    category: EmergencyCategory | None   # the emergency, or None
    keywords: tuple                      # signals that fired, then the context words they needed
    hazards: tuple                       # signals found but hedged (prevention, past, worry…)
    urgent: tuple = ()                   # words of urgency.tsv (紧急, 危险, 停水…)
    soothed: tuple = ()                  # hazards hedged only by a harmless source (楼道里有人抽烟
                                         # 烟味很大): a complaint, not urgent


URGENT = -2   # the rule of an urgency.tsv word in Taxonomy.signals (-1: a "none" word)
# A rule's category written "explosion/last" ranks after every category: its rank in a rule is the
# category's index plus the number of categories (the category itself is rank % that number).
LAST_MARK = "/last"


def _words(cell: str) -> list[str]:
    return [w.strip() for w in cell.split(",") if w.strip()]


def _expand(word: str) -> list[str]:
    """The words a family stands for: 按(在|)地上(打|踢) → 按在地上打, 按地上打, 按在地上踢…"""
    found = _GROUP.search(word)
    if found is None:
        return [word]
    return [w for choice in found.group(1).split("|")
            for w in _expand(word[:found.start()] + choice + word[found.end():])]


def _variants(word: str, passives: bool = True) -> list[str]:
    """The word's family, each with its dialect forms: 被 also as 遭 (遭抢了), 不 also as 勿, 找不
    also as 寻不."""
    out = []
    for one in _expand(word):
        forms = [one]
        if passives and one.startswith("被"):
            forms += [p + one[1:] for p in _PASSIVES]
        for old, new in _DIALECT:
            forms += [f.replace(old, new) for f in forms if old in f]
        out += forms
    return out


def _dialect_pattern(pattern: str) -> str:
    """A pattern that also reads 被 as 遭 at its start, 不 as 勿 and 找 as 寻 before 不."""
    if pattern.startswith("被"):
        pattern = "(?:被|" + "|".join(_PASSIVES) + ")" + pattern[1:]
    return pattern.replace("找不", "(?:找|寻)不").replace("不", "(?:不|勿)")


def _inherit_parts(contexts: dict) -> None:
    """A context word says at least what the context words inside it say: the search takes the
    longest word, so 老人家 (elder) would otherwise hide 老人 (a person), 地下车库 (home) hide 车
    (a vehicle). Words of the set "none" stay none, and lend nothing."""
    for word, names in contexts.items():
        if "none" in names:
            continue
        for i in range(len(word)):
            for j in range(i + 1, len(word) + 1):
                part = contexts.get(word[i:j]) if j - i < len(word) else None
                if part and "none" not in part:
                    names |= part


def _patterns_re(texts: list, indexes: list) -> re.Pattern:
    """The patterns of indexes as one expression, in file order, a named group each (p0, p1…)."""
    return re.compile("|".join(f"(?P<p{i}>{texts[i]})" for i in sorted(set(indexes))))


def _load(lex: Lexicons) -> Taxonomy:
    categories, index = [], {}
    for number, (cid, type_, department, domain, name) in rows("emergency_categories.tsv", 5):
        if type_ not in CALLS:
            raise LexiconError(f"emergency_categories.tsv:{number}: type must be medical, fire "
                               f"or police, not {type_!r}")
        index[cid] = len(categories)
        categories.append(EmergencyCategory(cid, type_, CALLS[type_], department, domain, name))
    contexts: dict[str, set] = {}
    # the words of the English rows count only as whole words (nlp.latin); pinyin ones do not
    # (wojiazhaohuole, kuaijiuming: pinyin runs its syllables together)
    whole: set[str] = set()
    english = latin.english_rows("emergency_context.tsv")
    for number, (name, words) in rows("emergency_context.tsv", 2):
        for word in _words(words):
            for variant in _variants(word, passives=False):
                contexts.setdefault(latin.fold(variant), set()).add(name)
                if number > english:
                    whole.add(latin.fold(variant))
    _inherit_parts(contexts)
    known_sets = {name for names in contexts.values() for name in names}
    signals: dict[str, list] = {}

    def rule(name: str, number: int, cid: str, needs: str) -> tuple:
        # "explosion/last": the rule's category ranks after every category (LAST), so another
        # reading of the same message names the number (a scald from a pressure cooker that
        # burst is a burn, 120); alone it is still its category.
        cid, last = (cid.removesuffix(LAST_MARK), True) if cid.endswith(LAST_MARK) else (cid, False)
        if cid != "none" and cid not in index:
            raise LexiconError(f"{name}:{number}: unknown category {cid!r}")
        alternatives = () if needs in ("", "-") else tuple(
            tuple(part.split("+")) for part in needs.split("|"))
        for name_ in (n for alternative in alternatives for n in alternative):
            if name_ not in known_sets:
                raise LexiconError(f"{name}:{number}: unknown context set {name_!r}")
        rank = index.get(cid, -1)
        return (rank + len(categories) if last and rank >= 0 else rank), alternatives

    english = latin.english_rows("emergency_signals.tsv")
    for number, (cid, needs, words) in rows("emergency_signals.tsv", 3):
        found = rule("emergency_signals.tsv", number, cid, needs)
        for word in _words(words):
            for variant in _variants(word):
                # a Latin word also Capitalized and in capitals, so that a message with one is
                # noticed (and read again folded: nlp.latin)
                for form in latin.cases(latin.fold(variant)) if latin.has_latin(variant) \
                        else (variant,):
                    if found not in signals.setdefault(form, []):
                        signals[form].append(found)
                    if number > english:
                        whole.add(form)
    # The urgent words ride in the same search: one pass over the message finds both.
    for word, (level, _) in lex.urgency_words.items():
        if level != "normal":
            signals.setdefault(word, []).append((URGENT, ()))
    patterns, texts, by_two, by_one, seen = [], [], {}, {}, {}
    for number, (cid, needs, pattern) in rows("emergency_patterns.tsv", 3):
        pattern = _dialect_pattern(pattern)
        if pattern in seen:   # the same shape for another category (a child or an elder missing)
            patterns[seen[pattern]].append(rule("emergency_patterns.tsv", number, cid, needs))
            continue
        try:
            re.compile(pattern)
        except re.error as error:
            raise LexiconError(f"emergency_patterns.tsv:{number}: bad pattern: {error}") from None
        starts = first_literals(pattern)
        if not starts:
            raise LexiconError(f"emergency_patterns.tsv:{number}: a pattern must start with "
                               f"literal text (it is only tried where that text stands)")
        for key in {s[:2] for s in starts}:
            (by_two if len(key) == 2 else by_one).setdefault(key, []).append(len(patterns))
        seen[pattern] = len(patterns)
        texts.append(pattern)
        patterns.append([rule("emergency_patterns.tsv", number, cid, needs)])
    defusers: dict[str, list] = {}
    english = latin.english_rows("emergency_defuse.tsv")
    for number, (what, where, reach, window, applies, words) in rows("emergency_defuse.tsv", 6):
        if (where not in ("before", "after", "either") or reach not in ("clause", "sentence")
                or not window.isdigit()):
            raise LexiconError(f"emergency_defuse.tsv:{number}: where must be before/after/"
                               f"either, reach clause/sentence and window a number")
        scope = None if applies in ("", "*") else frozenset(_words(applies))
        for word in _words(words):
            for variant in _expand(latin.fold(word)):
                defusers.setdefault(variant, []).append(
                    (what, where, reach == "sentence", int(window), scope))
                if number > english:
                    whole.add(variant)
    # the patterns' expressions by key: two characters (with the one-character key's patterns
    # of their first character) or one
    expressions = {key: _patterns_re(texts, by_two[key] + by_one.get(key[0], []))
                   for key in by_two}
    expressions.update((key, _patterns_re(texts, found)) for key, found in by_one.items())
    keys_order = tuple(sorted(expressions))
    keys = AhoCorasick(keys_order, matchkind=MatchKind.Standard,
                       implementation=implementation(keys_order)) if keys_order else None
    return Taxonomy(
        categories=tuple(categories),
        signal_finder=WordFinder(signals),
        signals={w: tuple(v) for w, v in signals.items()},
        see_through=frozenset(w for w, v in signals.items()
                              if all(cat >= 0 and needs for cat, needs in v)),
        dangers=frozenset(w for w, v in signals.items() if any(cat >= 0 for cat, _ in v)),
        urgents=frozenset(w for w, v in signals.items() if any(cat == URGENT for cat, _ in v)),
        pattern_keys=keys.find_matches_as_indexes if keys else _no_keys,
        pattern_expressions=tuple(expressions[key] for key in keys_order),
        pattern_by_two={key: expressions[key] for key in by_two},
        pattern_by_one={key: expressions[key] for key in by_one},
        patterns=tuple(tuple(rules) for rules in patterns),
        context_finder=WordFinder(contexts),
        contexts={w: frozenset(v) for w, v in contexts.items()},
        defuse_finder=WordFinder(defusers),
        defusers={w: tuple(v) for w, v in defusers.items()},
        soothing=frozenset(w for w, v in defusers.items()
                           if all(what == "nuisance" for what, *_ in v)),
        edges=latin.edges(whole),
        latin_signals=frozenset(w for w in signals if latin.has_latin(w)))

def _no_keys(text: str, overlapping: bool = False) -> list:
    return []


_lock = threading.Lock()
_cache: list = [None, None]   # (the Lexicons it was built beside, Taxonomy)


def taxonomy(lex: Lexicons | None = None) -> Taxonomy:
    """The taxonomy of this process; rebuilt when nlp.lexicon.reload() made new lexicons."""
    built_beside, built = _cache
    if built is not None and (lex is None or built_beside is lex):
        return built   # the common case: no lock on the hot path
    lex = lex or lexicons()
    with _lock:
        if _cache[1] is None or _cache[0] is not lex:
            _cache[:] = [lex, _load(lex)]
        return _cache[1]


class _Scan:
    """The matches of one message, with its sentence and clause boundaries. The context words
    are read at once (which context sets the message names decides whether a rule needing one
    can hold at all); the boundaries, hedge words and dates only when a rule is looked at more
    closely (read_bounds): a signal whose context is missing ("电话也不接" with no elder in the
    message: 105 of the 161 short dev texts with a match) costs no more than the context scan."""

    def __init__(self, text: str, tax: Taxonomy, is_latin: bool = False):
        self.text, self.tax, self.is_latin = text, tax, is_latin
        names, contexts, edges, whole = (tax.context_finder.words, tax.contexts, tax.edges,
                                         latin.on_edges)
        # a Latin word only as a whole word (nlp.latin): one look-up per word found
        self.contexts = [(start, end, word) for n, start, end in tax.context_finder.spans(text)
                         if "none" not in contexts[word := names[n]] and (
                             word not in edges or whole(text, start, end, edges[word]))]
        # A question (怎么办, 咋整) tells a danger is going on, but it does not undo a hedge: "着火了
        # 怎么办 灭火器在哪买" asks how to act, it reports no fire.
        self.now = [s for s, _, w in self.contexts
                    if "now" in tax.contexts[w] and "ask" not in tax.contexts[w]]
        # The context sets named anywhere in the message: a rule none of whose alternatives can
        # be met here is dropped without looking at its sentence.
        self.present = frozenset(n for _, _, w in self.contexts for n in tax.contexts[w])
        self.sentence_ends = None   # read_bounds fills in the rest
        self.turns = None   # found on the first hedge asked for (most messages ask none)

    def read_bounds(self) -> None:
        """The sentence and clause ends, the hedge words and the dates of the message."""
        text, tax, edges, whole = self.text, self.tax, self.tax.edges, latin.on_edges
        sentence_end, clause_end = (latin.SENTENCE_END, latin.CLAUSE_END) if self.is_latin \
            else (_SENTENCE_END, _CLAUSE_END)
        self.sentence_ends = [m.start() for m in sentence_end.finditer(text)]
        self.clause_ends = [m.start() for m in clause_end.finditer(text)]
        names = tax.defuse_finder.words
        self.defuses = [(start, end, word) for n, start, end in tax.defuse_finder.spans(text)
                        if (word := names[n]) not in edges or whole(text, start, end, edges[word])]
        self.dates = [m.end() for m in _DATE.finditer(text)]
        # an English year (in 2019) is history on either side of the danger in its sentence
        self.years = [m.start() for m in latin.YEAR.finditer(text)] if self.is_latin else ()

    def span(self, ends: list, position: int) -> tuple[int, int]:
        """The clause or sentence (by its list of ends) around position."""
        i = bisect.bisect_left(ends, position)
        return ends[i - 1] + 1 if i else 0, ends[i] if i < len(ends) else len(self.text)

    def _now_between(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.now, start)
        return i < len(self.now) and self.now[i] < end

    def has_now(self, start: int) -> bool:
        """Whether a word of immediacy stands in the sentence around start."""
        if self.sentence_ends is None:
            self.read_bounds()
        return self._now_between(*self.span(self.sentence_ends, start))

    def hedge(self, start: int, end: int, category: str | None) -> str:
        """The hedge that defuses the match text[start:end], or ''. A context word (category
        None) is hedged only by a negation or a worry: history and habit speak of the danger."""
        if self.sentence_ends is None:
            self.read_bounds()
        sentence = self.span(self.sentence_ends, start)
        for date_end in self.dates if category else ():
            if sentence[0] < date_end <= start and not self._now_between(date_end, start):
                return "date"
        if self.years and category:
            for year in self.years:
                if end <= year < sentence[1] and not self._now_between(end, year):
                    return "date"
        if not self.defuses:
            return ""
        clause = self.span(self.clause_ends, start)
        if self.turns is None:
            self.turns = [m.start() for m in _TURN.finditer(self.text)]
        # The latest new matter opened before the match: a hedge before it hedges another matter.
        turn = max((t for t in self.turns if t < start), default=-1)
        for d_start, d_end, word in self.defuses:
            if d_start < sentence[0] or d_end > sentence[1]:
                continue
            for what, where, whole_sentence, window, scope in self.tax.defusers[word]:
                if what == "none":
                    continue
                reach_start, reach_end = sentence if whole_sentence else clause
                if d_start < reach_start or d_end > reach_end or (
                        scope is not None and category not in scope) or (
                        category is None and what not in _CONTEXT_HEDGES):
                    continue
                holds = what in _HOLDING
                if (where != "after" and turn < d_end <= start and start - d_end <= window
                        and (holds or not self._now_between(d_end, start))):
                    return word
                if (where != "before" and d_start >= end and d_start - end <= window
                        and (holds or not self._now_between(end, d_end + _RIGHT_AFTER))):
                    return word
        return ""

    def context_sets(self, start: int, end: int) -> dict:
        """Set name → a context word standing in the sentence of text[start:end] (not inside it,
        not itself hedged)."""
        if self.sentence_ends is None:
            self.read_bounds()
        s_start, s_end = self.span(self.sentence_ends, start)
        found: dict[str, str] = {}
        for c_start, c_end, word in self.contexts:
            if c_start < s_start or c_end > s_end or (c_start < end and c_end > start):
                continue
            sets = self.tax.contexts[word]
            if "now" not in sets and self.hedge(c_start, c_end, None):
                continue   # "没有人", "担心老人…": but immediacy itself is never hedged
            for name in sets:
                found.setdefault(name, word)
        return found


_NOTHING = Finding(None, (), ())


def _signals(text: str, tax: Taxonomy) -> list:
    """The signal words of a text as (word, start, end), read from the left: at each place the
    longest signal starting there, then on after it; but after a signal that needs a context
    (see_through) on from its second character, for it may fail to count and the words inside
    it are still read (往外冒 needs a gas word; 冒火 inside it counts alone).

    One automaton scan finds the leftmost-longest words without that rule; where the reading
    goes on inside a word of that scan, a window reaching one signal past the word's end is
    scanned again from there: a word starting inside it lies in the window whole."""
    finder = tax.signal_finder
    found = finder.spans(text)
    if not found:
        return found
    names, see_through, longest = finder.words, tax.see_through, finder.longest
    out = []
    i, count, position, reach = 0, len(found), 0, 0   # reach: where the scan's last word ended
    while i < count or reach > position:
        if i < count:
            number, start, end = found[i]
            if start < position:   # a word passed over by a signal read past it
                reach, i = end, i + 1
                continue
        if reach > position:   # the scan went over text[position:reach]: words may start there
            again = finder.spans(text[position:reach - 1 + longest])
            if again and again[0][1] < reach - position:
                number, start, end = again[0]
                start, end = start + position, end + position
            elif i < count:
                reach, i = end, i + 1
            else:
                break
        else:
            reach, i = end, i + 1
        word = names[number]
        out.append((word, start, end))
        position = start + 1 if word in see_through else end
    return out


def _read_latin(text: str, tax: Taxonomy, matches: list, urgent: list) -> tuple:
    """The signals of text read again folded (nlp.latin.fold) into matches and urgent, Latin
    words only as whole words: (the folded text, True)."""
    text = latin.fold(text)
    matches.clear()
    urgent.clear()
    edges, whole, signals = tax.edges, latin.on_edges, tax.signals
    for word, start, end in _signals(text, tax):
        if (edge := edges.get(word)) is not None and not whole(text, start, end, edge):
            continue
        if word in tax.dangers:
            matches.append((word, start, end, signals[word]))
        if word in tax.urgents:
            urgent.append(word)
    return text, True


def detect(text: str, tax: Taxonomy) -> Finding:
    """Find whether text tells of a person in danger now, and which kind of danger."""
    matches, urgent = [], []
    dangers, urgents, signals = tax.dangers, tax.urgents, tax.signals
    is_latin = False
    letter = len(text) > LETTER_CHARS and _PUNCTUATED.search(text) is not None
    if " " in text:
        text = _FILLER.sub("", text)
    for word, start, end in _signals(text, tax):
        if word in dangers:
            matches.append((word, start, end, signals[word]))
            if word in tax.latin_signals:
                is_latin = True
        if word in urgents:
            urgent.append(word)
    if is_latin:
        # English (nlp.latin): a Latin signal found, the message is read again folded, Latin
        # words only as whole words. Chinese text costs nothing more.
        text, is_latin = _read_latin(text, tax, matches, urgent)
    # A pattern is tried only where the first two characters of one of its leading strings stand
    # (电梯, not the 电 of 电话), or its one-character leading string: one automaton scan finds
    # those places (a place whose next character opens no pattern is not even reported), and
    # where a two-character key stands its expression is tried (it holds the one-character
    # key's patterns too), in the order of the places.
    places = tax.pattern_keys(text, overlapping=True)
    if places:
        keys = {}
        for number, at, end in places:
            if end - at == 2 or at not in keys:
                keys[at] = number
        expressions = tax.pattern_expressions
        for at in sorted(keys):
            found = expressions[keys[at]].match(text, at)
            if found is not None:
                matches.append((found.group(), at, found.end(),
                                tax.patterns[int(found.lastgroup[1:])]))
    if not matches:
        return Finding(None, (), (), tuple(urgent)) if urgent else _NOTHING
    scan = _Scan(text, tax, is_latin)
    categories = tax.categories
    count = len(categories)
    best, fired, needed, hazards, harmless = None, [], [], [], []
    for word, start, end, rules in matches:
        if letter and start >= LETTER_OPENING and not scan.has_now(start):
            hazards.append(word)
            continue
        sets = None
        for cat, alternatives in rules:
            if cat < 0:
                continue   # a "none" or an urgent word
            used = ()
            if alternatives:
                if not any(scan.present.issuperset(alt) for alt in alternatives):
                    continue
                if sets is None:
                    sets = scan.context_sets(start, end)
                met = next((alt for alt in alternatives if all(name in sets for name in alt)),
                           None)
                if met is None:
                    continue
                used = tuple(sets[name] for name in met)
            if hedged := scan.hedge(start, end, categories[cat % count].id):
                (harmless if hedged in tax.soothing else hazards).append(word)
                continue
            fired.append(word)
            needed.extend(used)
            if best is None or cat < best:
                best = cat
    keywords = tuple(dict.fromkeys(fired + needed))
    soothed = tuple(w for w in dict.fromkeys(harmless) if w not in hazards)
    return Finding(None if best is None else categories[best % count], keywords,
                   tuple(dict.fromkeys(hazards + harmless)), tuple(urgent), soothed)
