"""A frightened resident writes in plain words; the account says whom to call, first, and
the people of their grid are told at once. Through the real webhook and a real RQ worker."""
from datetime import timedelta

import pytest

from store.models import LocalDelivery, Outbox, Ticket

from tests.support import Chat, rows


def delivered_to(svc, openid: str) -> list[str]:
    """The texts a person's WeChat received, oldest first."""
    return [d.payload["text"] for d in rows(svc, LocalDelivery, LocalDelivery.to_openid == openid)]


@pytest.mark.parametrize("text,first_line,category,department,call,words", [
    # Its signs, not its name: the classifier must know them.
    ("我爸突然说话不清楚，半边身子动不了",
     "如有生命危险，请立即拨打 120 急救电话！让人平躺，不要喂水喂药，记下发病时间。",
     "疑似中风", "卫健", "120", "半边身子动不了"),
    # Held in a car by its driver, typed on the phone in the car: the police, not a rescue.
    ("网约车司机把门锁了不让我下车 一直往山里开 救我",
     "请立即拨打 110 报警电话！先保护好自己，能说出地点就告诉警方。",
     "被人关押/非法拘禁", "公安", "110", "不让我下车"),
    # A pressure cooker burst and scalded: what is still going on is the burn, 120 first.
    ("高压锅炸了 我妈脸上手上全烫起泡了",
     "如有生命危险，请立即拨打 120 急救电话！用流动的凉水冲洗伤处 15 分钟以上，不要涂牙膏酱油。",
     "烧烫伤", "卫健", "120", "烫起泡"),
    # A robber's demand beside a knife, no word 抢 in it: the police.
    ("一个男的拿着刀让我把收银台打开 我在便利店",
     "请立即拨打 110 报警电话！先保护好自己，不要硬拼，记下对方特征和去向。",
     "抢劫/入室", "公安", "110", "让我把收银台打开"),
    # A car gone into a river with people in it: a rescue (119) before a drowning.
    ("一辆车翻进河里了 里面还有人",
     "请立即拨打 119 火警电话！保持冷静，不要冒险施救，等待救援（被困电梯请按警铃，不要扒门）。",
     "人员被困", "应急管理/消防", "119", "车翻进河里"),
    # A pan that flared and burned someone: the burn is what is still going on, 120 first.
    ("炒菜的时候油锅一下着了 我老公手上全是泡",
     "如有生命危险，请立即拨打 120 急救电话！用流动的凉水冲洗伤处 15 分钟以上，不要涂牙膏酱油。",
     "烧烫伤", "卫健", "120", "油锅一下着了"),
])
def test_an_emergency_in_plain_words_names_the_number_and_wakes_worker_and_leader(
        chat, svc, worker, text, first_line, category, department, call, words):
    reply = chat.send(text)

    [ticket] = rows(svc, Ticket)
    first, second = reply.split("\n")
    assert first == first_line
    assert second == f"已通知网格员张伟马上联系您，工单号 {ticket.number}。"
    assert (ticket.kind, ticket.urgency) == ("help", "emergency")
    assert (ticket.category, ticket.department) == (category, department)
    assert ticket.emergency_call == call
    assert ticket.accept_by - ticket.created_at == timedelta(minutes=5)

    worker()
    assert {o.status for o in rows(svc, Outbox)} == {"sent"}
    [to_worker] = delivered_to(svc, "o_worker_01")  # 张伟, the grid worker
    [to_leader] = delivered_to(svc, "o_leader_01")  # 周建国, the grid leader
    for text_ in (to_worker, to_leader):
        assert text_.startswith("【特急】") and ticket.number in text_
        assert words in text_
    assert to_leader.startswith(f"【特急】【{category}】 {ticket.number}")


def test_a_fire_goes_to_the_fire_service_and_the_menu_sos_still_reaches_both(chat, svc,
                                                                           worker):
    assert chat.send("隔壁厨房着火了，冒了好多烟").startswith("请立即拨打 119 火警电话！")
    chat.event("CLICK", "SOS")
    fire, sos = rows(svc, Ticket)
    assert (fire.department, fire.emergency_call) == ("应急管理/消防", "119")
    assert sos.emergency_call is None  # a button says nothing of what happened

    worker()
    for openid in ("o_worker_01", "o_leader_01"):
        assert [fire.number in t for t in delivered_to(svc, openid)] == [True, False]
        assert sos.number in delivered_to(svc, openid)[1]


def test_an_emergency_from_a_stranger_asks_where_and_waits_for_the_district(client, demo,
                                                                            svc):
    reply = Chat(client, "o_passer_by").send("路边有人晕倒了，叫不醒")
    [ticket] = rows(svc, Ticket)
    assert reply.startswith("如有生命危险，请立即拨打 120 急救电话！")
    assert "请告诉我们具体地址" in reply and ticket.number in reply
    assert ticket.tier == "district" and ticket.urgency == "emergency"


def test_a_grid_worker_who_types_an_emergency_is_told_whom_to_call_and_it_is_reported(
        client, demo, svc, worker):
    # A worker on patrol types what they see, as a resident would: no list of commands.
    reply = Chat(client, "o_worker_01").send("三单元门口有个老人倒地上了 叫不醒")
    [ticket] = rows(svc, Ticket)
    assert reply.startswith("如有生命危险，请立即拨打 120 急救电话！让人侧躺，保持呼吸通畅；"
                            "没有呼吸就做胸外按压。\n已上报巡查发现")
    assert ticket.number in reply and (ticket.urgency, ticket.emergency_call) == ("emergency", "120")
    worker()
    [to_leader] = delivered_to(svc, "o_leader_01")  # the grid leader knows at once
    assert to_leader.startswith("【特急】") and ticket.number in to_leader


@pytest.mark.parametrize("openid", ["o_leader_01", "o_member_01"])
def test_staff_above_a_grid_and_team_members_typing_an_emergency_get_a_ticket_too(
        client, demo, svc, openid):
    # No grid of their own and no location: opened as any resident's emergency, never lost.
    reply = Chat(client, openid).send("楼下有人拿刀砍人 快来")
    [ticket] = rows(svc, Ticket)
    assert reply.startswith("请立即拨打 110 报警电话！") and ticket.number in reply
    assert (ticket.urgency, ticket.emergency_call) == ("emergency", "110")


def test_a_frightened_resident_writing_again_and_again_stays_one_ticket_one_alarm(
        chat, svc, worker, clock):
    first = chat.send("救命 我家着火了")
    clock.at(minutes=1)
    again = chat.send("救命 我家着火了")
    clock.at(minutes=2)
    more = chat.send("快来人啊")
    [ticket] = rows(svc, Ticket)
    assert first.startswith("请立即拨打 119 火警电话！") and again.startswith("请立即拨打 119 火警电话！")
    assert again.endswith(f"已加入您的紧急求助（工单 {ticket.number}），网格员张伟会马上看到。")
    assert more.startswith("请立即拨打 110 报警电话！")  # each danger named: its number first
    worker()
    to_worker = delivered_to(svc, "o_worker_01")
    assert [t.split(" ")[0] for t in to_worker] == ["【特急】新工单", "居民补充", "居民补充"]
    assert "快来人啊" in to_worker[-1]
    assert len(delivered_to(svc, "o_leader_01")) == 1  # one alarm, not three


def test_the_words_after_the_sos_button_say_what_the_danger_is(chat, svc, worker):
    chat.event("CLICK", "SOS")
    reply = chat.send("我家着火了 在3栋502")
    [ticket] = rows(svc, Ticket)
    assert reply.startswith("请立即拨打 119 火警电话！") and ticket.number in reply
    assert (ticket.category, ticket.emergency_call, ticket.department) == (
        "火灾", "119", "应急管理/消防")
    worker()
    assert "类型：求助·火灾" in delivered_to(svc, "o_worker_01")[-1]


def test_another_danger_later_is_its_own_ticket(chat, svc, clock):
    chat.send("我家着火了")
    clock.at(minutes=45)
    reply = chat.send("我妈突然晕倒了 叫不醒")
    fire, faint = rows(svc, Ticket)
    assert reply.startswith("如有生命危险，请立即拨打 120 急救电话！")
    assert faint.number in reply and faint.emergency_call == "120"


def test_an_emergency_placed_by_the_strangers_address_wakes_that_grids_leader(client, demo,
                                                                              svc, worker):
    stranger = Chat(client, "o_passer_by")
    stranger.send("路边有人晕倒了，叫不醒")
    assert "派往“幸福里第1网格”" in stranger.send("在幸福小区3栋门口")
    [ticket] = rows(svc, Ticket)
    worker()
    assert ticket.number in delivered_to(svc, "o_worker_01")[0]
    [to_leader] = delivered_to(svc, "o_leader_01")  # as if it had been opened in the grid
    assert to_leader.startswith(f"【特急】【昏迷/晕倒】 {ticket.number}")


@pytest.mark.parametrize("alarm, stand_down, call", [
    ("楼下有人晕倒了", "不好意思 搞错了 他是喝醉了睡着了", "120"),
    ("我家着火了", "已经灭了 没事了", "119"), ("救命", "按错了", "110")])
def test_an_alarm_stood_down_reaches_everyone_alerted_and_is_still_checked(
        chat, svc, worker, clock, alarm, stand_down, call):
    chat.send(alarm)
    clock.at(minutes=3)
    [ticket] = rows(svc, Ticket)
    assert chat.send(stand_down) == (
        f"好的，已告诉网格员张伟等工作人员（工单 {ticket.number}）：您说已经没有危险。他们仍会联系您"
        f"确认一下。如果再有危险，请立即拨打 {call}。")
    worker()
    for openid in ("o_worker_01", "o_leader_01"):  # both were woken: both hear it
        assert delivered_to(svc, openid)[-1].startswith(f"居民说已无危险 {ticket.number}")
    assert rows(svc, Ticket)[0].status == "assigned"  # words alone do not close an alarm
    assert not chat.send("孩子还没找到").startswith("好的，已告诉")


def test_every_danger_has_a_line_of_what_to_do_while_help_comes():
    from handlers.first_aid import WHILE_WAITING
    from nlp.emergency import taxonomy
    from nlp.lexicon import lexicons
    names = {category.name for category in taxonomy(lexicons()).categories}
    assert names == set(WHILE_WAITING)  # none missing, none stale


def test_a_gas_leak_is_told_not_to_touch_switches_before_leaving(chat, svc):
    reply = chat.send("楼道里有股很浓的煤气味")
    assert reply.startswith("请立即拨打 119 火警电话！不要开关电灯电器、不要点火，打开门窗后离开")


# Session 10: a resident (or a foreigner) who writes in English. The reply stays Chinese, with one
# short English line under the first when the words were mostly English; the worker and the
# grid leader are woken as for any emergency.
@pytest.mark.parametrize("text,call,category,department,english,words", [
    ("Someone collapsed in the lobby of building 2, he is not moving", "120", "昏迷/晕倒", "卫健",
     "Call 120 now (ambulance).", "collapsed"),
    ("a man with a knife is chasing people near the gate", "110", "暴力伤人/持械", "公安",
     "Call 110 now (police).", "with a knife"),
    ("GAS SMELL VERY STRONG IN BUILDING 3", "119", "燃气泄漏", "应急管理/消防",
     "Call 119 now (fire and rescue).", "GAS SMELL"),
    # mostly Chinese: the Chinese reply alone
    ("楼道里 smoke 很大 邻居家门缝在冒", "119", "冒烟/疑似起火", "应急管理/消防", None, "smoke"),
])
def test_an_english_emergency_names_the_number_and_wakes_worker_and_leader(
        chat, svc, worker, text, call, category, department, english, words):
    reply = chat.send(text)

    [ticket] = rows(svc, Ticket)
    first, *rest = reply.split("\n")
    assert f"请立即拨打 {call}" in first
    assert rest == ([english] if english else []) + [
        f"已通知网格员张伟马上联系您，工单号 {ticket.number}。"]
    assert (ticket.kind, ticket.urgency, ticket.emergency_call) == ("help", "emergency", call)
    assert (ticket.category, ticket.department) == (category, department)

    worker()
    [to_worker] = delivered_to(svc, "o_worker_01")
    [to_leader] = delivered_to(svc, "o_leader_01")
    for text_ in (to_worker, to_leader):
        assert text_.startswith("【特急】") and ticket.number in text_ and words in text_
    assert to_leader.startswith(f"【特急】【{category}】 {ticket.number}")


def test_more_english_words_of_the_same_danger_join_it_with_the_number_again(chat, svc, clock):
    chat.send("my dad collapsed in the kitchen")
    clock.at(minutes=1)
    again = chat.send("please hurry he is not breathing")
    [ticket] = rows(svc, Ticket)
    assert again.split("\n") == [
        "如有生命危险，请立即拨打 120 急救电话！让人坐起，解开衣领，保持空气流通。",
        "Call 120 now (ambulance).",
        f"已加入您的紧急求助（工单 {ticket.number}），网格员张伟会马上看到。"]


@pytest.mark.parametrize("words", ["隔壁邻居家一直有臭味 好几天没见他出门了 他是独居老人",
                                   "楼下独居的王奶奶三天没下楼了 敲门也没人应"])
def test_a_neighbour_unseen_for_days_behind_a_door_nobody_answers_is_checked_on(chat, words):
    assert chat.send(words).startswith("如有生命危险，请立即拨打 120 急救电话！")


def test_a_door_nobody_opens_is_told_to_bring_the_police_not_first_aid_for_one_beside_them(
        chat):
    reply = chat.send("隔壁老人好几天没出门了 敲门也没人应")
    assert reply.startswith("如有生命危险，请立即拨打 120 急救电话！进不了门、联系不上的，请同时拨打 110")
    assert "侧躺" not in reply


def test_the_writer_at_home_for_days_is_no_emergency(chat):
    reply = chat.send("我好几天没出门了 想问下社区有什么活动")
    assert "拨打 120" not in reply and "特急" not in reply
