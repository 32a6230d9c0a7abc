"""classify(text) → Classification: the one entry point the rest of GridDesk uses.

Pipeline: normalize (NFKC, 繁→简) → topic (domain, category, department) → kind → urgency →
entities → FAQ. Lexicon words are found by trie-shaped regular expressions; jieba's dictionary
(loaded once, with the lexicon words added) decides where one-character cues are words.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from nlp.entities import extract
from nlp.faq import match_faq
from nlp.kind import decide_kind, head_length
from nlp.lexicon import lexicons, normalize
from nlp.topic import decide_topic
from nlp.urgency import decide_urgency

MAX_CHARS = 2000   # kind and topic read this much: the opening says what a message is about
MAX_SCAN = 50000   # emergencies are looked for this far


@dataclass(frozen=True)
class Classification:
    kind: str
    domain: str
    category: str
    department: str
    urgency: str
    emergency: dict | None = None  # who to call and where it goes, when urgency is emergency
    confidence: dict = field(default_factory=dict)
    keywords: dict = field(default_factory=dict)
    entities: dict = field(default_factory=dict)
    faq: dict | None = None

    def as_dict(self) -> dict:
        """Field order kept; nested dicts and lists copied."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, dict):
                value = {k: list(v) if isinstance(v, list) else v for k, v in value.items()}
            out[f.name] = value
        return out


# STAND-IN for the emergency taxonomy (issue 11, nlp branch replaces it at merge): the call
# number and department derived from urgency.tsv's labels; an emergency is always help.
_CALLS = {"119": ("fire", "应急管理/消防"), "120": ("medical", "卫健"), "110": ("police", "公安")}
_EMERGENCIES = {"fire": ("119", "火情"), "gas": ("119", "燃气泄漏"), "collapse": ("119", "房屋倒塌"),
                "electrocution": ("119", "触电"), "trapped": ("119", "人员被困"),
                "medical": ("120", "急病受伤"), "drowning": ("120", "溺水"),
                "violence": ("110", "暴力伤害"), "threat": ("110", "人身威胁"),
                "missing child": ("110", "儿童走失"), "missing person": ("110", "人员走失")}


def _emergency_of(labels: list[str]) -> dict:
    label = next((l for l in labels if l in _EMERGENCIES), "medical")
    call, name = _EMERGENCIES[label]
    kind, department = _CALLS[call]
    return {"type": kind, "category": label, "name": name, "call": call,
            "department": department}


def load() -> None:
    """Load jieba's dictionary and the lexicons now, not on the first resident's message."""
    lexicons()


def classify(text: str) -> Classification:
    """Classify one resident message (any length, any str; None counts as empty)."""
    lex = lexicons()
    full = normalize(str(text or "")[:MAX_SCAN], lex.t2s)
    text = full[:MAX_CHARS]
    category, domain, department, topic_conf, topic_words, topic_score = decide_topic(text, lex, head_length(text))
    kind, kind_conf, kind_words = decide_kind(text, lex, category if topic_score > 0 else None)
    # Emergencies are looked for in the whole message, wherever they are written.
    urgency, urgency_conf, urgency_words, labels = decide_urgency(full, lex)
    emergency = _emergency_of(labels) if urgency == "emergency" else None
    if urgency == "emergency":
        if kind != "help":
            kind, kind_conf, kind_words = "help", 0.9, list(urgency_words)
        if domain == "其他":
            route = next((lex.urgency_routes[l] for l in labels if l in lex.urgency_routes), None)
            if route is not None:
                category, domain, department = route.name, route.domain, route.department
                topic_conf, topic_words = 0.6, list(urgency_words)
    faq = None
    if kind == "consultation" and urgency != "emergency":
        faq = match_faq(text, lex, question_form=True)
    return Classification(
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
        entities=extract(text),
        faq=faq,
    )
