"""English (and pinyin) words in the emergency taxonomy: the rules a Latin-letter word needs that
a Chinese one does not (session 10).

- Case: the data's Latin words are written in lower case; a signal also stands in the automaton
  as Capitalized and UPPER ("Someone collapsed", "HELP"), only so that a message with one is
  noticed. A message where a signal was found and a Latin letter stands is then read again folded
  (fold: ASCII lower case, apostrophes dropped, so "can't" and phone-typed "cant" are one word),
  and every list is searched in the folded text. A message without a Latin letter is never folded
  nor checked again: Chinese costs nothing more.
- Word edges: a word of an English row (below the line "# --- English" of a data file) that
  starts (ends) with a Latin letter counts only where no Latin letter stands right before (after)
  it: "fire" is no word of "firecrackers", "help" none of "helpful". Pinyin rows keep the plain
  search: pinyin runs its syllables together (wojiazhaohuole).
- Sentences and clauses: in a message with Latin letters a full stop before a space ends a
  sentence, and a space between two Latin letters or digits ends no clause ("worried that the
  e-bikes could catch fire" is one clause; "楼道 smoke 很大" is three, as Chinese phone writing).
"""
from __future__ import annotations

import re

LATIN = re.compile(r"[A-Za-z]")
_APOSTROPHE = re.compile(r"[’‘'`](?=[a-z])")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.(?=\s|$)")
CLAUSE_END = re.compile(r"[。！？!?；;\n，,、：:~～…（）()]|\.(?=\s|$)"
                        r"| (?![a-z0-9])|(?<![a-z0-9]) ")
_CONTRACTED = re.compile(r"\b(can|don|won|isn|doesn|didn|hasn|haven|wasn|aren|couldn|wouldn)t\b")
# A year told in an English sentence (in 2019, since 2020) makes a danger history, before or after.
YEAR = re.compile(r"\b(?:in|since|of|back in) (?:19|20)\d\d\b")


_HAN = re.compile(r"[\u4e00-\u9fff]")


def mostly_latin(text: str) -> bool:
    """Whether a message is written in English (or pinyin) more than in Chinese: at least four
    Latin letters, and more than twice as many as Chinese characters ("Someone collapsed",
    "我爸 collapsed 了"), so that a reply may add a line in English."""
    letters = len(LATIN.findall(text))
    return letters >= 4 and letters > 2 * len(_HAN.findall(text))


ENGLISH = "# --- English"   # the line after which a data file's rows hold English words


def english_rows(name: str) -> int:
    """The line number of a data file's ENGLISH line (its rows after it are English), or one
    past the end: the rows above it (Chinese, pinyin) keep the plain search."""
    from nlp.lexicon import DATA
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return next((n for n, line in enumerate(lines, 1) if line.startswith(ENGLISH)),
                len(lines) + 1)


def has_latin(word: str) -> bool:
    return LATIN.search(word) is not None


def cases(word: str) -> list[str]:
    """A folded Latin word as residents type it: lower, Capitalized, UPPER, and with its
    apostrophes (cant: can't, can’t)."""
    forms = [word]
    if _CONTRACTED.search(word):
        forms += [_CONTRACTED.sub(r"\1" + mark + "t", word) for mark in "'’"]
    return list(dict.fromkeys(f for form in forms
                              for f in (form, form[:1].upper() + form[1:], form.upper())))


def fold(text: str) -> str:
    """ASCII lower case, apostrophes inside words dropped ("Can't" → "cant")."""
    low = text.lower() if not text.islower() else text
    if "'" in low or "’" in low or "‘" in low or "`" in low:
        low = _APOSTROPHE.sub("", low)
    return low


def edges(words) -> dict:
    """Word → (starts with a Latin letter, ends with one), for the words that do either."""
    out = {}
    for word in words:
        first, last = word[:1].lower() in _LETTERS, word[-1:].lower() in _LETTERS
        if first or last:
            out[word] = (first, last)
    return out


def on_edges(text: str, start: int, end: int, edge: tuple) -> bool:
    """Whether a word found at text[start:end] with edge (see edges) stands as a whole word."""
    return not ((edge[0] and start and text[start - 1] in _LETTERS)
                or (edge[1] and end < len(text) and text[end] in _LETTERS))
