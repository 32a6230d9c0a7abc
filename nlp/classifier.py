"""classify(text) → Classification: the one entry point the rest of GridDesk uses.

Pipeline: normalize (NFKC, 繁→简) → urgency (an emergency decides the rest) → topic (domain,
category, department) → kind → FAQ; entities when the result's `entities` is first read.
Lexicon words are found by Aho-Corasick automata (nlp.lexicon.WordFinder); jieba's dictionary
(loaded once, with the lexicon words added) decides where one-character cues are words.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from nlp.entities import extract
from nlp.faq import match_faq
from nlp.kind import decide_kind, head_length, score_kinds
from nlp.lexicon import Lexicons, lexicons, normalize
from nlp.records import found_records
from nlp.topic import decide_topic, topic_evidence
from nlp.urgency import decide_urgency
from nlp.weights import Weights

MAX_CHARS = 2000   # kind and topic read this much: the opening says what a message is about
MAX_SCAN = 50000   # emergencies are looked for this far


@dataclass(frozen=True)
class Classification:
    kind: str
    domain: str
    category: str
    department: str
    urgency: str
    emergency: dict | None = None   # type, category, name, call, department when an emergency
    confidence: dict = field(default_factory=dict)
    keywords: dict = field(default_factory=dict)
    entities: dict = field(default_factory=dict)
    faq: dict | None = None

    def __getattr__(self, name: str):
        """entities, worked out on the first read (see _result): most messages open no ticket
        and no caller reads their phone numbers, addresses or times."""
        if name != "entities":
            raise AttributeError(name)
        state = self.__dict__
        text = state.get("_text")
        if text is None:   # another thread read them in the meantime, or none were ever due
            if "entities" in state:
                return state["entities"]
            raise AttributeError(name)
        # (two threads reading at once both extract; the first one's dict is kept)
        entities = state.setdefault("entities", extract(text))
        state.pop("_text", None)
        return entities

    def as_dict(self) -> dict:
        """Field order kept; nested dicts and lists copied."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dict):
                value = {k: list(v) if isinstance(v, list) else v for k, v in value.items()}
            out[f.name] = value
        return out


def _result(text: str, **values) -> Classification:
    """Classification(**values, entities=extract(text)), every other field given, without the
    frozen dataclass's __init__ (one object.__setattr__ per field): the same object, made in one
    step on the hot path. The entities are extracted from text when first read (__getattr__):
    the same dict, but a message whose entities nobody reads does not pay for them."""
    result = object.__new__(Classification)
    state = result.__dict__
    state.update(values)
    state["_text"] = text
    return result


def load() -> None:
    """Load jieba's dictionary and the lexicons now, not on the first resident's message."""
    lexicons()


def classify(text: str) -> Classification:
    """Classify one resident message (any length, any str; None counts as empty)."""
    lex = lexicons()
    return classify_with(text, lex, lex.learned)


def topic_and_kind_evidence(text: str, lex: Lexicons, weights: Weights, kind: bool):
    """The hand lexicons' evidence for a normalized text, as `nlp.learn` fits on it: (score per
    category index, hand kind scores given the category decided with weights, or None)."""
    head = head_length(text)
    scores, _ = topic_evidence(text, lex, head)
    if not kind:
        return scores, None
    found = weights.found(text)
    topic = decide_topic(text, lex, head, found, weights)
    return scores, score_kinds(text, lex, topic[0] if topic[5] > 0 else None)[0]


def classify_with(text: str, lex: Lexicons, weights: Weights) -> Classification:
    """classify with the given learned weights (nlp.evaluate scores weights fitted elsewhere)."""
    full = normalize((text if type(text) is str else str(text or ""))[:MAX_SCAN], lex.t2s)
    text = full[:MAX_CHARS]
    # Emergencies are looked for in the whole message, wherever they are written.
    urgency, urgency_conf, urgency_words, danger = decide_urgency(full, lex)
    if danger is not None:
        # Fail safe: a person in danger asks for help, whatever else the message says, and the
        # ticket goes where the danger belongs (a stroke is not a housing leak): the topic and
        # kind the words would give are not even worked out.
        emergency = danger.as_contract()
        kind, kind_conf, kind_words = "help", 0.95, list(urgency_words)
        category, domain, department = danger.name, danger.domain, danger.department
        topic_conf, topic_words = 0.95, list(urgency_words)
    else:
        emergency = None
        found = weights.found(text)
        head = head_length(text)
        # the found words' records (nlp.records), looked up once for the topic and the kind
        records = weights.records
        pairs = found_records(found, records) if records is not None else None
        category, domain, department, topic_conf, topic_words, topic_score = decide_topic(
            text, lex, head, found, weights, pairs)
        kind, kind_conf, kind_words = decide_kind(
            text, lex, category if topic_score > 0 else None, found, weights, head, pairs)
    faq = None
    if kind == "consultation" and urgency != "emergency":
        faq = match_faq(text, lex, question_form=True)
    return _result(
        text,
        kind=kind,
        domain=domain,
        category=category,
        department=department,
        urgency=urgency,
        emergency=emergency,
        confidence={"kind": kind_conf, "domain": topic_conf, "category": topic_conf,
                    "urgency": urgency_conf},
        keywords={"kind": kind_words, "domain": topic_words, "category": topic_words,
                  "urgency": urgency_words},
        faq=faq,
    )
