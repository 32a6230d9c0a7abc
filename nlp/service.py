"""办服务: does a message ask for a service a team could do (代办医保, 陪同就医, 上门维修 for
someone who cannot)? Words in data/services.tsv. Pure: the caller decides what else must
hold (handlers.service: a help request or a question, never urgent, never an emergency)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from nlp.lexicon import lexicons, normalize, rows

HELPLESS = "helpless"
ASKING = ("帮", "陪", "替", "请人", "找人", "派人")


@dataclass(frozen=True)
class ServiceWords:
    kind: str  # paperwork / escort / repair / care
    words: tuple[str, ...]  # the words that decided it, for the ticket's keywords
    helpless: bool = False  # it took someone who cannot do it themself (a repair, care)
    asked: bool = False  # an ask in so many words (帮…, 陪…, 请人…), not a bare 代办 or 送餐


@cache
def _table() -> tuple[tuple[str, bool, tuple[str, ...]], ...]:
    """(kind, needs a helpless word, words) in file order: the first kind found wins."""
    return tuple((kind, needs == HELPLESS, tuple(w.strip() for w in words.split(",")
                                                 if w.strip()))
                 for _, (kind, needs, words) in rows("services.tsv", 3))


def service_words(text: str) -> ServiceWords | None:
    """The service a message asks for, or None."""
    text = normalize(str(text or ""), lexicons().t2s)
    table = _table()
    helpless = next((ws for kind, _, ws in table if kind == HELPLESS), ())
    cannot = [w for w in helpless if w in text]
    for kind, needs, words in table:
        if kind == HELPLESS:
            continue
        found = [w for w in words if w in text]
        if found and (not needs or cannot):
            asked = any(word in w for w in found for word in ASKING) or any(
                word in text for word in ASKING[3:])
            return ServiceWords(kind, tuple(found + (cannot if needs else [])), needs, asked)
    return None
