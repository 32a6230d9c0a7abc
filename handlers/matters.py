"""Two matters in one message ("3栋楼道灯坏了 另外小区门口下水道堵了"): each becomes a ticket of
its own, so fixing the light cannot close the drain. Split only where the resident marked a
new matter (另外, 还有, 此外, 再一个…, or a numbered list after a break), and only when every
part alone is a report the classifier places in a topic of its own: "楼道灯坏了 还有三楼的也
不亮" stays one ticket (the same topic), as does anything with an emergency in it."""
from __future__ import annotations

import re

MARK = re.compile(
    r"(?:^|(?<=[\s，,。.；;！!？?]))(?:另外|此外|还有就是|还有一件事|还有个事|还有一个|还有|"
    r"再一个|再有就是|再有|再就是|再说一个|顺便说一下|顺便反映一下|顺便)[，,：:\s]*"
    r"|(?:^|(?<=[\s，,。.；;！!？?]))[1-9１-９][.、．)）]\s*")
MIN_HAN = 4  # Chinese characters: fewer is not a matter of its own ("还有3楼")
MOST = 3
# A phone message, not a letter: a long letter's numbered points and 另外 are mostly the
# grounds of one matter (a worker reads it whole); its second matter is an agent's call.
LONGEST = 80
SURE = 0.8  # each part's topic, alone: "还有老人本来睡眠就不好" names none (learned words lean)


def han(text: str) -> int:
    return sum("\u4e00" <= ch <= "\u9fff" for ch in text)


def split(text: str, understand) -> list[tuple[str, object]]:
    """The message's matters as (words, classification), in order: two or three when the
    resident marked them and each part is a report of its own topic; otherwise []."""
    if len(text) > LONGEST:
        return []
    cuts = list(MARK.finditer(text))
    if not cuts:
        return []
    bounds = [0] + [m.start() for m in cuts if m.start() > 0] + [len(text)]
    ends = {m.start(): m.end() for m in cuts}
    parts = []
    for start, end in zip(bounds, bounds[1:]):
        part = text[ends.get(start, start):end].strip(" \t\n，,。.；;！!？?、")
        if part:
            parts.append(part)
    if not 2 <= len(parts) <= MOST or any(han(part) < MIN_HAN for part in parts):
        return []
    results = [(part, understand(part)) for part in parts]
    if any(not reported(result) for _, result in results):
        return []
    categories = [result.category for _, result in results]
    return results if len(set(categories)) == len(categories) else []


def reported(result) -> bool:
    """A part that would open a ticket of a known topic on its own."""
    return (result.urgency == "normal" and result.kind in ("complaint", "help", "suggestion")
            and result.domain != "其他" and not result.faq
            and result.confidence["category"] >= SURE)


# After a rating, a contrast can bring a matter of another topic: "还行吧 不过楼道又很脏了".
# It names one only when its topic differs from the rated ticket's ("还行 不过灯还是有点暗"
# is a comment on the same lamp; "不过来得太慢了" names no topic at all).
CONTRAST = re.compile(r"(?:^|(?<=[\s，,。.；;！!？?]))(?:不过|但是|可是|只是)[，,：:\s]*")


def matter_after(text: str, understand, besides: str | None = None
                 ) -> tuple[str, str, object] | None:
    """An answer followed by a marked matter ("满意 另外小区门口下水道堵了", "4 还有垃圾站太臭了",
    and, when `besides` names the rated ticket's category, "还行吧 不过楼道又很脏了"):
    (the answer, the matter, its classification) when the matter alone is a report of a topic
    of its own; otherwise None."""
    cut = next((m for m in MARK.finditer(text) if m.start() > 0), None)
    contrast = False
    if cut is None and besides is not None:
        cut = next((m for m in CONTRAST.finditer(text) if m.start() > 0), None)
        contrast = True
    if cut is None:
        return None
    head, rest = text[:cut.start()].strip(" \t\n，,。.；;"), text[cut.end():].strip()
    if not head or han(rest) < MIN_HAN:
        return None
    result = understand(rest)  # marked by the resident: any matter of a topic is one
    if contrast and (result.category == besides or not reported(result)):
        return None
    return (head, rest, result) if result.category != "其他" and result.kind in (
        "complaint", "help", "suggestion", "consultation") else None
