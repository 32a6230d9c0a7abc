"""A resident in danger who writes in English, or mixes English into Chinese, is recognised with
the number to call; calm English lines stay calm (session 10, nlp/latin.py)."""
import pytest

import nlp
from nlp.corpus import CORPUS, held_back_slices, read_tsv
from nlp.emergency import _load
from nlp.lexicon import lexicons


@pytest.fixture(scope="module", autouse=True)
def loaded():
    nlp.load()


def emergency(text: str) -> tuple:
    result = nlp.classify(text)
    assert result.urgency == "emergency", (text, result.urgency, result.keywords["urgency"])
    return result.emergency["call"], result.emergency["category"]


# The lines the issue names (none of them is a corpus row).
@pytest.mark.parametrize("text, call, category", [
    ("Someone collapsed in the lobby", "120", "unconscious"),
    ("a man with a knife is chasing people", "110", "violence"),
    ("there is smoke in the corridor", "119", "smoke"),
    ("my child fell into the river", "120", "drowning"),
    ("my neighbour is not breathing", "120", "breathing"),
    ("gas smell very strong in building 3", "119", "gas_leak"),
])
def test_the_english_emergencies_the_issue_names_call_their_number(text, call, category):
    assert emergency(text) == (call, category)


@pytest.mark.parametrize("text, call", [
    ("SOMEONE COLLAPSED IN THE LOBBY", "120"),          # capitals
    ("My Grandpa Fainted", "120"),
    ("I can’t breathe", "120"),                          # a typographic apostrophe
    ("my mom cant breath", "120"),                       # phone typing
    ("pls help sombody collapsed", "120"),
    ("hes not breating", "120"),
    ("Help, my dad fell", "120"),                        # the fall names the number, not the cry
])
def test_capitals_apostrophes_and_typos_are_read(text, call):
    assert emergency(text)[0] == call


@pytest.mark.parametrize("text, call", [
    ("我爸 collapsed 了", "120"), ("楼道 smoke 很大", "119"), ("楼下有人 fighting with knives", "110"),
    ("厨房 gas leak 了", "119"),
])
def test_english_mixed_into_chinese_is_read(text, call):
    assert emergency(text)[0] == call


@pytest.mark.parametrize("text", [
    "There was a fire in building 3 last year.", "fire training on friday",
    "I'm worried that my dad might have a stroke", "in case of fire, where do we go",
    "safety hazard: the fire exit is blocked", "a man was stabbed here in 2019, is it safe now",
    "my phone battery exploded last year lol",
])
def test_a_danger_told_as_past_training_worry_or_prevention_is_no_emergency(text):
    assert nlp.classify(text).urgency != "emergency"


@pytest.mark.parametrize("text", [
    "this noise is killing me", "my name is Li", "Street light broken at building 3",
    "the firecrackers at night are so loud", "thanks, the grid worker was very helpful",
    "can you help me find the tax office", "bonfire party tonight?", "a blast of cold air",
    "how do I use this account", "can I get a flu shot at the clinic",
])
def test_calm_english_lines_stay_calm(text):
    result = nlp.classify(text)
    assert result.urgency == "normal", (text, result.keywords["urgency"])


def test_the_english_slice_is_scored_with_the_others_and_covers_every_category():
    assert "english" in held_back_slices()
    rows = read_tsv(CORPUS / "english_emergencies.tsv", 4)
    assert len(rows) >= 120 and len(read_tsv(CORPUS / "english_lookalikes.tsv", 2)) >= 120
    later = {"fraud"}  # a scam going on was split from robbery after the slice was written
    assert {row[3] for row in rows} == {c.id for c in _load(lexicons()).categories} - later


@pytest.mark.parametrize("text", ["wojiazhaohuole", "kuaijiuming a", "jiumingya"])
def test_pinyin_run_together_is_still_a_cry(text):
    # only the English rows are whole words: pinyin runs its syllables together
    assert nlp.classify(text).urgency == "emergency"
