"""A resident in danger is recognised in their own words (issue #11): the taxonomy, the corpus
figures, the cases the issue names, and the Classification.emergency contract."""
import pytest

import nlp
from nlp import lexicon
import re

from nlp.corpus import (CORPUS, KEPT, evaluate_emergencies, held_back_slices, measured_notes,
                        read_tsv, score_letters)
from nlp.evaluate import DEFAULT_DATA
from nlp.emergency import CALLS, _load, taxonomy
from nlp.lexicon import LexiconError, lexicons, trie_pattern


@pytest.fixture(scope="module", autouse=True)
def loaded():
    nlp.load()


@pytest.fixture(scope="module")
def figures():
    return evaluate_emergencies(None)


def test_every_emergency_in_the_corpus_is_recognised(figures):
    part = figures["emergencies"]
    assert part["n"] >= 300
    assert part["recall"] == 1.0, part["missed"]


def test_every_recognised_emergency_names_the_right_number_to_call(figures):
    assert figures["emergencies"]["call_accuracy"] == 1.0, figures["emergencies"]["wrong_call"]


def test_calm_lookalikes_rarely_raise_an_alarm(figures):
    part = figures["lookalikes"]
    assert part["n"] >= 300
    assert part["false_alarms"] <= 0.10, part["alarms"]


def test_every_slice_of_lookalikes_stays_under_five_percent_false_alarms(figures):
    slices = held_back_slices()
    assert {"heldback", "heldback2", "heldback3"} <= set(slices)
    for name in ["lookalikes"] + [f"{s}_lookalikes" for s in slices]:
        assert figures[name]["false_alarms"] <= 0.05, (name, figures[name]["alarms"])


def test_every_slice_recognises_every_emergency_with_its_number(figures):
    for name in held_back_slices():
        part = figures[f"{name}_emergencies"]
        assert part["recall"] == 1.0, (name, part["missed"])
        assert part["call_accuracy"] >= 0.95, (name, part["wrong_call"])


def test_every_slice_keeps_the_figures_it_had_before_it_was_tuned_on():
    for name in held_back_slices():
        notes = measured_notes(CORPUS / f"{name}_emergencies.tsv")
        assert notes and all("recall" in note for note in notes), name


@pytest.mark.skipif(not (DEFAULT_DATA / "teddy_dev.jsonl").exists(),
                    reason="../shared/data/nlp is absent")
def test_at_most_one_real_letter_in_a_hundred_is_raised_as_an_emergency():
    letters = score_letters(DEFAULT_DATA)
    assert {"haikou", "jiamusi", "liuyan", "teddy"} <= set(letters)
    for name, part in letters.items():
        assert part["share"] <= KEPT["letters_false_alarms"], (name, part["sample"])


def test_the_second_slice_covers_every_category_in_phone_words():
    rows = read_tsv(CORPUS / "heldback2_emergencies.tsv", 4)
    assert len(rows) >= 120 and len(read_tsv(CORPUS / "heldback2_lookalikes.tsv", 2)) >= 120
    # confinement (held by a person) was split from trapped and distress after it was written,
    # fraud (a scam going on) from robbery
    later = {"confinement", "fraud"}
    assert {row[3] for row in rows} == {c.id for c in _load(lexicons()).categories} - later


def test_the_corpus_covers_every_taxonomy_category_with_its_call():
    rows = read_tsv(CORPUS / "emergencies.tsv", 4)
    categories = {c.id: c for c in _load(lexicons()).categories}
    counts = {}
    for _, type_, call, category in rows:
        assert categories[category].type == type_ and CALLS[type_] == call
        counts[category] = counts.get(category, 0) + 1
    assert set(counts) == set(categories)
    assert min(counts.values()) >= 4


def test_taxonomy_routes_to_departments_that_exist():
    departments = {c.department for c in lexicons().categories}
    for category in _load(lexicons()).categories:
        assert category.department in departments
        assert category.call == CALLS[category.type]
        assert category.domain in lexicon.DOMAINS


# The misses the issue lists, told in fresh words (none of these lines is in the corpus).
NAMED = [
    ("我外公左边身子突然动不了了，嘴也歪了", "120", "stroke"),
    ("楼下有个小伙子倒地口吐白沫", "120", "seizure"),
    ("我老伴躺在床上怎么都叫不醒", "120", "unconscious"),
    ("孙子吃花生噎住了脸憋得通红", "120", "choking"),
    ("我爸手被电锯划了，血止不住", "120", "bleeding"),
    ("我妹妹一口气吞了半瓶安眠药", "120", "poisoning"),
    ("对门邻居家门缝在往外冒烟，家里好像有人", "119", "smoke"),
    ("楼下电动车电瓶着火了", "119", "fire"),
    ("邻居一家三口在屋里烧炭，现在都叫不醒", "120", "co_poisoning"),
    ("有个娃掉到河里了", "120", "drowning"),
    ("路口一根电线掉在路上冒火花，有人在旁边走", "119", "live_wire"),
    ("菜场门口有人拿刀砍人", "110", "violence"),
    ("小区楼顶站着一个人，说不想活了", "120", "suicide"),
    ("孩子在市场上走丢了，找了半天找不到了", "110", "missing_child"),
    ("我家墙越裂越大，屋里还住着老人", "119", "collapse"),
    ("洪水漫进村里了，几户老人家里水已经到膝盖", "119", "flood"),
    ("两车相撞，司机卡在车里出不来", "119", "trapped"),
    ("工地脚手架塌了，好几个工人压在下面", "119", "trapped"),
    ("一只大黑狗把路过的老太太咬伤了，流了好多血", "120", "animal_attack"),
]


@pytest.mark.parametrize("text,call,category", NAMED)
def test_named_emergencies_get_the_number_to_call_and_their_own_route(text, call, category):
    result = nlp.classify(text)
    assert result.urgency == "emergency", result.keywords["urgency"]
    assert (result.emergency["call"], result.emergency["category"]) == (call, category)
    assert result.kind == "help" and result.faq is None
    assert result.category == result.emergency["name"]
    assert result.department == result.emergency["department"]
    assert result.keywords["urgency"] and all(w in text for w in result.keywords["urgency"])


def test_a_medical_emergency_is_not_a_housing_leak_and_a_suicide_threat_not_a_school_matter():
    stroke = nlp.classify("楼上漏水的那家老太太半边身子不能动了，说话也说不清")
    assert (stroke.domain, stroke.department) == ("卫生计生", "卫健")
    suicide = nlp.classify("学校宿舍楼顶有个学生要跳楼")
    assert suicide.emergency["category"] == "suicide" and suicide.department != "教育"


@pytest.mark.parametrize("text", [
    "路边有个井盖松了，差点把我绊倒",           # a near miss, no one hurt (the issue's own case)
    "去年着火的那栋楼到现在还没修好",             # history
    "担心独居老人晚上摔倒了没人发现",             # worry
    "下周社区组织燃气泄漏应急演练",               # training
    "申请给单元楼安装燃气报警器",                 # a request
    "楼上装修吵死了，气得我心脏都受不了",         # strong words in a complaint
    "工厂烟囱正在冒黑烟，家里窗户都不敢开",       # a named source of smoke is pollution
])
def test_dangers_told_as_history_worry_training_or_complaint_are_no_emergency(text):
    result = nlp.classify(text)
    assert result.urgency != "emergency", result.keywords["urgency"]
    assert result.emergency is None


def test_immediacy_undoes_a_hedge():
    assert nlp.classify("去年着火的那栋楼现在又冒烟了").urgency == "emergency"
    assert nlp.classify("去年着火的那栋楼").urgency == "urgent"


def test_a_long_letter_needs_immediacy_past_its_opening():
    letter = "我们小区的物业多年来一直不作为，" * 10
    assert nlp.classify(letter + "去年冬天有老人在楼道摔倒起不来。").urgency != "emergency"
    assert nlp.classify(letter + "刚才有老人在楼道摔倒起不来了！").urgency == "emergency"


def test_contract_shape():
    result = nlp.classify("快来人，我爸倒在厨房叫不醒")
    assert set(result.emergency) == {"type", "category", "name", "call", "department"}
    assert result.as_dict()["emergency"] == result.emergency
    assert nlp.classify("小区门口路灯坏了").emergency is None


def test_a_bad_taxonomy_line_names_file_and_line(tmp_path, monkeypatch):
    for name in ("emergency_categories.tsv", "emergency_context.tsv", "emergency_defuse.tsv"):
        (tmp_path / name).write_text((lexicon.DATA / name).read_text(encoding="utf-8"),
                                     encoding="utf-8")
    (tmp_path / "emergency_signals.tsv").write_text("# header\nno_such\t-\t着火\n",
                                                    encoding="utf-8")
    monkeypatch.setattr(lexicon, "DATA", tmp_path)
    with pytest.raises(LexiconError, match="emergency_signals.tsv:2"):
        _load(lexicons())


@pytest.mark.parametrize("text,category", [
    ("我在和平路23号 我爸晕倒了", "unconscious"),       # an address number is no date
    ("3号楼2单元 老人倒地上了 叫不醒", "unconscious"),
    ("三楼窗户往外冒火", "fire"),                         # 往外冒 (needs gas) hides no 冒火
    ("俺家老人家在厕所晕倒了", "unconscious"),           # 老人家 is a person too
    ("可能是中风了 我妈嘴歪了说不出话", "stroke"),        # uncertainty about what, not whether
    ("吃了药以后就叫不醒了", "poisoning"),                # 以后 after an event is no future;
                                                          # medicine, then no waking: an overdose
    ("我好怕 他在门口砸门要进来", "robbery"),             # present fear is no worry about later
])
def test_phone_words_addresses_and_uncertainty_do_not_hide_a_danger(text, category):
    result = nlp.classify(text)
    assert result.urgency == "emergency", result.keywords["urgency"]
    assert result.emergency["category"] == category


@pytest.mark.parametrize("text", [
    "12号那天楼下有个老人晕倒了",                        # a date still tells history
    "电动车撞到护栏上了 人没事 就是车坏了",               # nobody at risk
    "河边那个没人住的老房子塌了",
    "宝宝洗澡水太烫了 怎么调热水器",                      # 烫 of temperature
    "我家暖气片爆了 水流了一地",                          # a burst pipe is no explosion
])
def test_no_one_at_risk_is_no_emergency(text):
    assert nlp.classify(text).urgency != "emergency"


def test_the_word_automata_find_what_the_plain_trie_finds():
    """The signal reading goes on inside a signal that needs a context (往外冒: 冒火 inside it
    still counts): the automaton and its windows find exactly the words the trie expression
    finds when it resumes one character on, on the corpus and on texts packed with signals."""
    import random
    from nlp.emergency import _signals
    tax = taxonomy()
    texts = [row[0] for row in read_tsv(CORPUS / "emergencies.tsv", 4)]
    texts += [row[0] for row in read_tsv(CORPUS / "lookalikes.tsv", 2)]
    for finder, words in ((tax.signal_finder, tax.signals), (tax.context_finder, tax.contexts),
                          (tax.defuse_finder, tax.defusers)):
        plain = re.compile(trie_pattern(words))
        for text in texts:
            assert finder.findall(text) == plain.findall(text), text
    plain = re.compile(trie_pattern(tax.signals))

    def by_trie(text):
        found, position = [], 0
        while (m := plain.search(text, position)) is not None:
            found.append((m.group(), *m.span()))
            position = m.start() + 1 if m.group() in tax.see_through else m.end()
        return found

    rng = random.Random(3)
    signals, see_through = sorted(tax.signals), sorted(tax.see_through)
    for _ in range(3000):
        parts = []
        for _ in range(rng.randint(1, 8)):
            word = rng.choice(see_through if rng.random() < 0.5 else signals)
            cut = rng.random()
            parts.append(word[rng.randint(0, len(word) - 1):] if cut < 0.4 else
                         word[:rng.randint(1, len(word))] if cut < 0.6 else word)
        texts.append("".join(parts))
    inside = 0
    for text in texts:
        found = by_trie(text)
        assert _signals(text, tax) == found, text
        inside += any(a[2] > b[1] for a, b in zip(found, found[1:]))
    assert inside > 500   # texts where a word was read inside a see-through signal


# Phone words of dialects and keyboards, told in fresh words (none of these lines is a slice's).
@pytest.mark.parametrize("text,call,category", [
    ("我妈遭车撞了 躺起不动", "120", "traffic_injury"),       # Sichuan 遭 is 被
    ("我遭人抢了 包都拿走了", "110", "robbery"),
    ("阿爸晕咗喺冲凉房", "120", "unconscious"),               # Cantonese 咗 喺 read as 了 在
    ("揾唔到我个女 佢头先仲喺度", "110", "missing_child"),
    ("爷爷讲闲话讲勿清爽了", "120", "stroke"),                # Wu 勿 is 不
    ("zhaohuo le kuai lai", "119", "fire"),                    # pinyin of the cries
    ("jiu ming", "110", "distress"),
    ("她男人锤她 锤得好凶", "110", "domestic_violence"),
    ("几个人把一个老头摁在地上踢", "110", "violence"),
    ("有人抢他的项链 往菜场跑了", "110", "robbery"),
    ("那人说要让我活不过今晚", "110", "threat_to_kill"),
    ("烟从他家门底下往外冒 敲门没人应", "119", "smoke"),
    ("楼下燃气报警器一直在叫", "119", "gas_leak"),
    ("我外婆心口好痛 出冷汗", "120", "cardiac"),
    ("血流了一地 腿上好大个口子", "120", "bleeding"),
    # the number to call follows what is still going on ('/last' rules)
    # a hazard that is over once it happened: the injury it caused names the number
    ("高压锅炸了 我婆婆脸上手上都烫起泡了", "120", "burns"),
    ("高压锅炸了", "119", "explosion"),                      # alone it is still an explosion
    ("我儿子的手被车门夹住了 车一开拖了他好几米", "120", "traffic_injury"),
    ("孩子的手被车门夹住了 拔不出来", "119", "trapped"),      # still caught: rescue
    ("我奶奶在卫生间摔倒了 动不了", "120", "fall"),          # a fall in a small room is a fall
    ("我爸晕倒在厕所 门反锁着 叫不应", "120", "unconscious"),  # the lock tells why help is slow
    ("孩子摸了插座 被打了一下 哭都哭不出来", "120", "electric_shock"),  # 打 is the current
    ("我家孩子在外面被打了一下 在哭", "110", "domestic_violence"),      # and without one a blow
    # held by a person is a matter for the police, not a rescue
    ("我被网约车司机锁在车里了 他不让我下车", "110", "confinement"),
    ("我弟弟被骗进了传销窝点 出不来", "110", "confinement"),
])
def test_dialect_passives_pinyin_and_word_families_are_read_and_name_the_number(text, call,
                                                                                 category):
    result = nlp.classify(text)
    assert result.urgency == "emergency", result.keywords["urgency"]
    assert (result.emergency["call"], result.emergency["category"]) == (call, category)


@pytest.mark.parametrize("text", [
    "家里着火了怎么办 灭火毯去哪买",                     # how to act: 怎么办 undoes no hedge
    "被猫抓了要打几针",
    "热射病了吃什么药好",
    "这停车费简直是抢钱",                                 # rhetoric
    "再不交作业老师要我命 哈哈",                           # a joke
    "同事说再迟到就弄死我 开玩笑的",
])
def test_questions_jokes_and_rhetoric_are_no_emergency(text):
    assert nlp.classify(text).urgency != "emergency", nlp.classify(text).keywords["urgency"]


def test_a_hedge_of_one_matter_does_not_reach_a_danger_told_after_a_new_one():
    assert nlp.classify("门口烧烤的烟太大 还有楼上有人一直在喊救命").urgency == "emergency"
    assert nlp.classify("楼下烧烤摊烟好大 呛死了").urgency != "emergency"



# Who needs what first (nlp/README.md): a flare that burned someone is a burn; a fire still
# burning is the fire service's; a person in a vehicle in water, in a well or locked in a car is
# a rescue before anything else.
@pytest.mark.parametrize("text,call,category", [
    ("炒菜的时候油锅一下着了 我老公手上全是泡", "120", "burns"),
    ("煤油炉子着了 火越烧越大 我奶奶手也烫了", "119", "fire"),
    ("充电的时候电池突然炸了 我儿子脸被燎了", "120", "burns"),
    ("一辆车翻进河里了 里面还有人", "119", "trapped"),
    ("我家小孩掉到枯井里了 在底下哭", "119", "trapped"),
    ("孩子被锁在车里了 太阳晒着 哭得没声了", "119", "trapped"),
    # Found by the lead while using the product (session 8): a child fallen into a well is a
    # rescue; a person lying still on a home camera is an emergency for 120.
    ("孩子掉井里了", "119", "trapped"),
    ("孩子掉井里了 快来人", "119", "trapped"),
    ("我家小孩掉坑里了", "119", "trapped"),
    ("监控视频里看到一个人倒在地上一动不动", "120", "unconscious"),
    ("门铃视频里看到有个老人倒在门口一动不动", "120", "unconscious"),
    # Session 9 (danger20): a machine that took part of a hand and let go is a wound (120); a
    # hand still caught is a rescue (119); a scream beside a scald is the burned person's, not a
    # beating heard — unless the burn was given on purpose.
    ("徒弟的手被搅拌机绞到了 两根手指没了 血一直流", "120", "bleeding"),
    ("我弟在车间被机器卷到了 胳膊断了 流了好多血", "120", "bleeding"),
    ("工人的手被机器绞住了 拔不出来 一直流血", "119", "trapped"),
    ("食堂阿姨被蒸汽烫到了 胳膊通红 一直在惨叫", "120", "burns"),
    ("老公拿开水泼我 胳膊全是泡 我在惨叫", "110", "domestic_violence"),
])
def test_the_number_follows_who_needs_what_first(text, call, category):
    result = nlp.classify(text)
    assert result.urgency == "emergency", result.keywords["urgency"]
    assert (result.emergency["call"], result.emergency["category"]) == (call, category)


# Police told by what is done, not named (session 5's rows: none says 打, 抢 or 杀).
@pytest.mark.parametrize("text,category", [
    ("一个男的拿着刀让我把收银台打开 我在便利店", "robbery"),
    ("他拿着斧头在我家门口转悠 说今天谁也别想好过", "threat_to_kill"),
    ("有人拿酒瓶往我哥头上砸 我哥倒了", "violence"),
    ("他薅着我妈头发往外拖", "domestic_violence"),
    ("我家孩子跟着一个陌生男的走了", "missing_child"),
    ("我被扣在一个厂子里 护照被他们收了", "confinement"),
    # Session 7 (danger-gen3): heldback17 gave a fight with pick handles 120 (its blood) and a
    # girl in an iron cage 119 (locked in); both are police matters. Fresh phrasings of the two
    # families, none in the corpus.
    ("两个男的在停车场拿着镐把互相砍 一身是血", "violence"),
    ("村里两家人抡着扁担打 有人头破了", "violence"),
    ("吵着吵着他回屋拿了把砍刀出来", "violence"),
    ("对门把一个小孩关在铁笼子里 哭了一晚上", "confinement"),
    ("养殖场里有个人被铁链子拴着 看着很瘦", "confinement"),
    ("他把他老婆锁在狗笼里了", "confinement"),
    # Session 8 (lead): an old person lost, told by how they answer, is no stroke.
    ("有个老人在路边坐了一下午 问他住哪也说不清 好像迷路了", "missing_person"),
])
def test_police_dangers_told_by_what_is_done_call_110(text, category):
    result = nlp.classify(text)
    assert result.urgency == "emergency", result.keywords["urgency"]
    assert (result.emergency["call"], result.emergency["category"]) == ("110", category)


@pytest.mark.parametrize("text", [
    "小区东门的栏杆坏了 车出不去",            # a car cannot get out: nobody is trapped
    "网线被人剪断了",                          # a net cable is no live wire
    "我们这边的电线杆锈得快倒了",              # not yet fallen: urgent
    "我爸老说再玩手机就打断我的腿",            # what a parent says
    "想问一下 绑架罪一般判几年",                # a crime's legal name
    "孩子躲在柜子里睡着了 找了半天 虚惊一场",  # over
    "楼下那家饭店油烟好大",                    # cooking fumes, not smoke of a fire
    "隔壁饭馆排的油烟好大 呛死了",
    "人都出来了",                              # the net read a birth into it (session 8)
])
def test_known_false_alarms_stay_calm(text):
    assert nlp.classify(text).urgency != "emergency", nlp.classify(text).keywords["urgency"]


@pytest.mark.parametrize("text", [
    "我家狗关在笼子里了 坐高铁能带吗",      # a pet in a cage
    "手机掉进水塘里了 还能捞上来吗",        # a thing in the water
    "刚看了个电视剧 里面有人跳楼",          # fiction
    "救命 这个月水费怎么这么多",            # a cry about a bill
    "社区能不能讲讲冬天怎么防煤气中毒",      # how to prevent it
])
def test_things_pets_fiction_and_bills_are_no_emergency(text):
    assert nlp.classify(text).urgency != "emergency", nlp.classify(text).keywords["urgency"]


@pytest.mark.parametrize("text, category", [
    ("家里突然停电了 整栋楼都黑了", "供水/供电/燃气"),  # the net read 黑了 as a fire (session 12)
    ("停电了 整栋楼都黑了", "供水/供电/燃气"),          # …and as an electric shock
    ("热水器打不着火了", "供水/供电/燃气"),             # 打不着火 holds no 着火
    ("小区大门的道闸砸到我车了", "物业服务"),            # a car hit, not a person
    ("楼上掉下来的花盆砸到我车上了", None),             # what fell is a pot
    ("工作压力大得喘不过气", None),                    # a simile of pressure (a stuffy room is not
                                                       # one: 胸口闷得喘不过气 is a heart)
    ("小区的树被雷劈倒了 压在围墙上", None),            # a tree struck, not a person
])
def test_outages_things_hit_and_similes_are_no_emergency(text, category):
    result = nlp.classify(text)
    assert result.urgency != "emergency", result.keywords["urgency"]
    assert category is None or result.category == category


def test_no_harm_told_after_is_no_emergency_but_asked_with_a_worry_still_is():
    assert nlp.classify("晚上散步被自行车撞了一下 没什么事").urgency == "urgent"
    assert nlp.classify("我爸被车撞了 流了好多血 人没什么事吧").urgency == "emergency"


def test_children_on_the_ice_are_urgent():
    assert nlp.classify("小区里的水塘结冰了 有小孩在上面滑").urgency == "urgent"


def test_a_thing_dropped_into_a_well_is_no_rescue():
    assert nlp.classify("手机掉井里了").urgency != "emergency"


def test_a_person_lying_still_in_a_film_is_still_no_emergency():
    assert nlp.classify("电视剧里有个人倒在地上一动不动 演得真像").urgency != "emergency"


@pytest.mark.parametrize("text", ["明天停电吗", "明天几点停电", "下周停水吗 停多久"])
def test_a_question_about_a_planned_outage_is_calm_and_answered_at_once(text):
    result = nlp.classify(text)
    assert result.urgency == "normal", result.keywords["urgency"]
    assert result.kind == "consultation" and "95598" in result.faq["answer"]


def test_an_outage_going_on_stays_urgent():
    assert nlp.classify("停电三天了 老人热得受不了").urgency == "urgent"


@pytest.mark.parametrize("text", ["楼道里有人抽烟", "楼道里有人抽烟，烟味很大",
                                  "楼道里有人抽烟 满楼道都是烟"])
def test_someone_smoking_in_the_corridor_is_a_plain_complaint(text):
    result = nlp.classify(text)
    assert result.urgency == "normal", result.keywords["urgency"]


def test_smoke_from_nowhere_named_in_the_corridor_is_still_a_fire_call():
    result = nlp.classify("楼道里冒烟了 不知道哪来的")
    assert result.urgency == "emergency" and result.emergency["call"] == "119"


# Things smashed next door with a child crying, heard now, is a household's violence (110); the
# same told as every day is a neighbour dispute: urgent, for the grid worker, not the police.
@pytest.mark.parametrize("text", ["隔壁又在吵架 摔东西 还听到小孩哭",
                                  "对门两口子在砸东西 孩子哭着喊别打了",
                                  "楼上又在摔东西 能听到小孩在哭"])
def test_smashing_and_a_child_crying_heard_now_calls_110(text):
    result = nlp.classify(text)
    assert result.urgency == "emergency", result.keywords["urgency"]
    assert (result.emergency["call"], result.emergency["category"]) == ("110",
                                                                        "domestic_violence")


def test_a_household_that_quarrels_every_day_is_urgent_not_an_emergency():
    assert nlp.classify("隔壁天天吵架 摔东西 还听到小孩哭").urgency == "urgent"


# Session 10 (danger21): the classes heldback21 showed, read by the keywords alone (the learned
# net switched off), in words that are not the slice's own.
@pytest.fixture
def keywords_only(monkeypatch):
    from nlp import danger
    monkeypatch.setattr(danger, "_net", [danger.EMPTY])


@pytest.mark.parametrize("text,call,category", [
    ("锅炉房的管子爆了 蒸汽喷了他一脸", "120", "burns"),
    ("暖气管子崩了 开水呲了我妈一胳膊", "120", "burns"),
    ("燃气管道爆了 一股味", "119", "gas_leak"),
    ("我爷爷正在给公检法的人转账 拦都拦不住", "110", "fraud"),
    ("我外婆在银行要汇钱给一个说是法院的人", "110", "fraud"),
    ("凌晨三点多有人在翻我家阳台", "110", "robbery"),
    ("大半夜有个男的一直摁我家门铃", "110", "distress"),
    ("他说不砍死你我就不姓李 拿着刀在楼下", "110", "threat_to_kill"),
    ("我同事被两个男的塞进面包车了", "110", "confinement"),
])
def test_scams_going_on_night_intruders_and_scalds_from_burst_pipes_name_the_number(
        keywords_only, text, call, category):
    result = nlp.classify(text)
    assert result.urgency == "emergency", result.keywords["urgency"]
    assert (result.emergency["call"], result.emergency["category"]) == (call, category)


@pytest.mark.parametrize("text,urgency", [
    ("厨房的管子爆了 到处是水", "urgent"),       # a leak: urgent, nobody at risk
    ("卫生间的水管子裂了 地上全是水", "urgent"),
    ("我奶奶想给我转点钱 手机银行怎么转", None),
    ("我爸之前被骗子骗了 转了五万 报过警了", None),
    ("车位又被占了 我要炸了", None),
    ("下大雨前把沟清一清 免得又淹", None),
    ("小猫被车撞了一下 腿瘸了", None),
])
def test_a_burst_pipe_a_past_scam_and_anger_are_no_emergency(keywords_only, text, urgency):
    result = nlp.classify(text)
    assert result.urgency != "emergency", result.keywords["urgency"]
    if urgency:
        assert result.urgency == urgency


# Session 11 (danger22): the classes heldback22 showed, read by the keywords alone, in words
# that are not the slice's own: scams told by their story with the money already gone or going
# (a caller's accident, a shared screen, a prize with a fee, an investment group; English too),
# a child lured into a vehicle, an elder gone at night, a wire in water, burns before the fire or
# the battery that made them, a threat to kill then oneself.
@pytest.mark.parametrize("text,call,category", [
    ("我妈说我弟出车祸了要钱 她已经转过去了", "110", "fraud"),
    ("有个自称客服的让我开共享屏幕 卡里的钱正在被转走", "110", "fraud"),
    ("老头在跟投资群里的老师转钱 说稳赚 拦不住", "110", "fraud"),
    ("我姥姥接到电话说她中奖了 要先交税 正在去银行的路上", "110", "fraud"),
    ("my grandpa is getting scammed, he is sending money to a fake police officer now", "110",
     "fraud"),
    ("半夜有人影在我家窗外晃", "110", "robbery"),
    ("我闺女被一个女的哄上了一辆三轮车 不见了", "110", "missing_child"),
    ("我奶奶有点糊涂 凌晨自己开门出去了", "110", "missing_person"),
    ("他说要砍死你再自杀 拿着菜刀", "110", "threat_to_kill"),
    ("我被好几个人看着 在宿舍里 手机也被收了", "110", "confinement"),
    ("高压线断了掉进水坑里 小孩在旁边", "119", "live_wire"),
    ("我爸烧秸秆 衣服着起来了 胳膊烧伤了", "120", "burns"),
    ("充电宝充着电炸了 把我女儿手烧了", "120", "burns"),
    ("我老公发病了 抽了十几分钟 叫不醒", "120", "seizure"),
    ("我外公有冠心病 吃了药也不管用 疼得受不了", "120", "cardiac"),
    ("我妈咋喊都没反映 躺在床上", "120", "unconscious"),
])
def test_scams_with_money_gone_lured_children_and_burned_clothes_name_the_number(
        keywords_only, text, call, category):
    result = nlp.classify(text)
    assert result.urgency == "emergency", result.keywords["urgency"]
    assert (result.emergency["call"], result.emergency["category"]) == (call, category)


@pytest.mark.parametrize("text,urgency", [
    ("小孩在鱼塘边捞鱼 没大人", "urgent"),       # children by water, no adult: a hazard
    ("楼下老有孩子在河边玩水 没大人看着", "urgent"),
    ("我儿子打电话说他出车祸了 我转了钱 后来才知道是骗子 上个月的事", None),
    ("投资群里的老师说稳赚 是不是骗子", None),
    ("这个月房租压得我喘不过气", None),
    ("那个人开车像要杀人似的", None),
    ("救出来了 电梯困人半小时 物业来得太慢", None),
    ("菜场杀鱼的地方血糊糊的", None),
    ("火警电话是119吗", None),
])
def test_children_by_water_past_scams_and_similes_are_no_emergency(keywords_only, text, urgency):
    result = nlp.classify(text)
    assert result.urgency != "emergency", result.keywords["urgency"]
    if urgency:
        assert result.urgency == urgency


# Session 12 (danger23): WeChat voice messages as its speech recognition writes them (heldback23),
# read by the keywords alone, in words that are not the slice's own: a pause is no clause end (a
# hedge reaches across it), a long message without punctuation is no letter, a filler between
# pauses is read through, the recogniser's homophones and spoken numbers.
@pytest.mark.parametrize("text,call,category", [
    ("嗯 我妈 那个 手卡在 那个 洗衣机里了 拿不出来 快来", "119", "trapped"),
    ("新梗了 我爸 快来", "120", "cardiac"),
    ("哎呀 那个 没气罐 一直在漏气 我奶奶在屋里", "119", "gas_leak"),
    ("我跟你说 上次那个停车的事 嗯 然后我爸刚才 突然嘴巴歪了 话也说不清 那个停车的事你们后来"
     "处理了没有 我们楼下那个车一直停在消防通道上", "120", "stroke"),
    ("佢哋喺门口打交 有个拎住刀", "110", "violence"),
    ("他说今天非弄死俺不可 在门口", "110", "threat_to_kill"),
    ("那个 保安 说是我女儿舅舅 把孩子接走了 我们根本不认识他 陌生人", "110", "missing_child"),
    ("我爸在地里 那个 水泵 漏电 他倒在水田里了", "120", "electric_shock"),
])
def test_voice_messages_are_read_through_pauses_fillers_and_homophones(keywords_only, text, call,
                                                                        category):
    result = nlp.classify(text)
    assert result.urgency == "emergency", result.keywords["urgency"]
    assert (result.emergency["call"], result.emergency["category"]) == (call, category)


@pytest.mark.parametrize("text", [
    "学校教了海姆立克法 噎住了就这样做",          # training (issue #11's known wrong result)
    "我 前几天 被开水 烫了一下 现在 好多了",       # past, across a pause
    "那个 我们 公司 下午 消防 演练 楼道里 好多烟",  # a drill, across a pause
    "那个 燃气表 没气了 在哪里 充值",              # 没气: the gas ran out
    "就命 这个月 又胖了 三斤",                     # hyperbole
    "打死我也不信 他会干这种事",                   # an idiom
    "隔壁老李说要杀了那只公鸡 过年吃",             # an animal for the table
    "我爸上个月吃了药 头有点晕 坐一会儿就好了",    # a dizzy spell that passes
])
def test_voice_messages_of_past_drills_and_sayings_are_no_emergency(keywords_only, text):
    result = nlp.classify(text)
    assert result.urgency != "emergency", result.keywords["urgency"]


@pytest.mark.parametrize("text", ["小孩在鱼塘边捞鱼 没大人", "有个小孩一个人在池塘边玩 旁边没有大人"])
def test_a_child_alone_by_water_is_an_urgent_safety_matter(text):
    result = nlp.classify(text)
    assert result.urgency == "urgent"
    assert (result.domain, result.category, result.department) == (
        "公共安全", "安全隐患", "应急管理/消防")
