"""Keyword NLP for residents' messages: kind, domain, category, department, urgency, entities, FAQ.

Pure Python on jieba: no Flask, no database, no network. Lexicons are data files in nlp/data/.
The contract the rest of GridDesk relies on:

    load()            -> warm jieba and the lexicons once per process (call at start-up)
    classify(text)    -> Classification (a frozen dataclass; .as_dict() keeps field order)
    names_topic(result) -> whether its category was named by a word that names it on its own
    faq_answer(id)    -> one FAQ entry's answer (nlp/data/faq.tsv)
"""
from nlp.classifier import Classification, classify, load
from nlp.faq import faq_answer
from nlp.lexicon import names_topic

__all__ = ["Classification", "classify", "faq_answer", "load", "names_topic"]
