"""A resident's first minute, as a new resident types it: an opener before the matter, asking
who their grid worker is, thanks, and "how is it going" — through the real webhook, with what
the resident reads, which tickets exist and what the grid worker and the agent see."""
import pytest

from store.models import HeldMessage, Staff, Ticket, TicketEvent
from tests.bot.console.test_console import login
from tests.handlers.test_no_dead_ends import received
from tests.support import Chat, count, rows

ASKED = "请直接说是什么事、在哪里"
OPENERS = ("我想反映个问题", "我要举报", "我要投诉", "在吗 我有个事", "网格员你好，想反映点情况",
           "您好，我想咨询一下", "我有个问题想问一下", "投诉", "你好 请问", "你们管不管",
           "到底有没有人管啊", "我要报修")


@pytest.mark.parametrize("opener", OPENERS)
def test_an_opener_is_asked_what_and_where_and_opens_no_ticket(client, demo, svc, opener):
    reply = Chat(client, "o_newcomer").send(opener)
    assert reply.startswith("您好，" + ASKED) and "例如“3栋2单元楼道灯坏了" in reply
    assert count(svc, Ticket) == 0
    [held] = rows(svc, HeldMessage)  # a person sees it, should nothing follow
    assert (held.text, held.status) == (opener, "waiting")


def test_the_report_after_an_opener_opens_the_ticket_and_keeps_the_opener_in_its_thread(
        client, chat, svc, worker, clock):
    chat.send("我想反映个问题")
    clock.at(minutes=2)
    reply = chat.send("3栋楼道灯不亮，好几天了")
    [ticket] = rows(svc, Ticket)
    assert reply.startswith(f"已受理，工单号 {ticket.number}，网格员张伟")
    assert (ticket.category, ticket.description) == ("路灯/井盖/道路", "3栋楼道灯不亮，好几天了")
    [held] = rows(svc, HeldMessage)
    assert (held.status, held.ticket_id) == ("opened", ticket.id)  # nothing left waiting
    said = [e.body for e in rows(svc, TicketEvent, TicketEvent.action == "resident_message")]
    assert said == ["我想反映个问题"]
    assert received(svc, worker)["o_worker_01"] == [f"新工单 {ticket.number}"]
    login(client, "worker01")
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "我想反映个问题" in page and "3栋楼道灯不亮，好几天了" in page
    timeline = page[page.index('<ul class="timeline">'):]  # told in the order it was said
    assert timeline.index("我想反映个问题") < timeline.index("<strong>受理</strong>")


def test_an_opener_nothing_follows_waits_for_a_person(client, chat, svc, clock):
    chat.send("我要投诉")
    clock.at(hours=3)  # the resident went away; what they write later is another thread
    chat.send("小区门口垃圾堆了好几天没人清运")
    [ticket] = rows(svc, Ticket)
    [held] = rows(svc, HeldMessage)
    assert (held.text, held.status, held.ticket_id) == ("我要投诉", "waiting", None)
    login(client, "worker01")
    assert "我要投诉" in client.get("/console/held").get_data(as_text=True)
    assert ticket.category == "垃圾清运"


@pytest.mark.parametrize("report", ["门禁坏了", "楼道灯不亮", "我想投诉物业"])
def test_short_reports_still_open_a_ticket_at_once(chat, svc, report):
    reply = chat.send(report)
    [ticket] = rows(svc, Ticket)
    assert reply.startswith(f"已受理，工单号 {ticket.number}") and count(svc, HeldMessage) == 0


def test_an_emergency_is_never_held(client, chat, svc, worker):
    chat.send("我想反映个问题")
    reply = chat.send("救命")
    [ticket] = rows(svc, Ticket)
    assert reply.startswith("请立即拨打 110 报警电话！") and ticket.urgency == "emergency"
    assert [h.status for h in rows(svc, HeldMessage)] == ["opened"]  # the opener joined it
    alone = Chat(client, "o_alone").send("救命")
    assert alone.startswith("请立即拨打 110") and count(svc, Ticket) == 2
    hurry = Chat(client, "o_hurry").send("我有急事")  # no danger named: asked, with the numbers
    assert hurry.startswith("如遇危险，请立即拨打 110") and ASKED in hurry
    for plea in ("帮帮我", "我需要帮助", "能帮我一下吗", "急", "急急急", "很急"):  # nothing said of what
        asked = Chat(client, f"o_plea{len(plea)}").send(plea)
        assert asked.startswith("如遇危险，请立即拨打 110") and ASKED in asked
    assert count(svc, Ticket) == 2
    police = Chat(client, "o_police").send("我要报警")  # WeChat is no police line: 110 first
    assert police.startswith("请立即拨打 110 报警电话！") and count(svc, Ticket) == 3
    threat = Chat(client, "o_threat").send("楼下天天半夜唱歌，再不处理我要报警了")
    assert "110" not in threat.splitlines()[0] and rows(svc, Ticket)[-1].urgency != "emergency"
    how = Chat(client, "o_how").send("怎么报警")  # a question, answered with the numbers
    assert "立即拨打110" in how and count(svc, Ticket) == 4


def test_an_opener_during_a_report_is_asked_about_and_starts_the_next_matter(chat, svc):
    chat.send("楼道灯坏了")
    assert ASKED in chat.send("我还想反映个问题")
    chat.send("楼下垃圾没人收")
    lamp, rubbish = rows(svc, Ticket)
    assert (lamp.category, rubbish.category) == ("路灯/井盖/道路", "垃圾清运")
    [held] = rows(svc, HeldMessage)
    assert held.ticket_id == rubbish.id
    on_lamp = rows(svc, TicketEvent, TicketEvent.ticket_id == lamp.id,
                   TicketEvent.action == "resident_message")
    assert on_lamp == []


@pytest.mark.parametrize("question", ["怎么联系网格员", "网格员电话多少", "我们网格员是谁",
                                      "你好，请问我们小区的网格员是谁？", "你们电话多少",
                                      "怎么联系你们", "社区电话是多少", "居委会的联系方式",
                                      "网格员怎么联系", "我想问一下 网格员电话多少", "张伟电话多少",
                                      "我要找网格长", "周建国的手机号"])
def test_a_resident_asks_who_their_grid_worker_is(chat, svc, question):
    reply = chat.send(question)
    [zhang] = rows(svc, Staff, Staff.name == "张伟")
    assert reply.startswith("您所在的网格：幸福里第1网格\n网格员：张伟（")
    assert "\n网格长：周建国（" in reply  # who leads the community's grids, as the poster shows
    assert zhang.phone[:3] + "****" + zhang.phone[-4:] in reply  # as the grid's poster shows it
    assert zhang.phone not in reply
    assert "在这里留言" in reply
    assert count(svc, Ticket) == 0 and count(svc, HeldMessage) == 0


@pytest.mark.parametrize("words", ["你们电话一直打不通", "社区电话没人接，楼道灯坏了三天了"])
def test_a_complaint_about_reaching_us_is_a_report(chat, svc, words):
    assert "工单号" in chat.send(words) and count(svc, Ticket) == 1


def test_a_resident_with_no_grid_is_told_how_to_find_theirs(client, demo, svc):
    stranger = Chat(client, "o_stranger")
    reply = stranger.send("怎么联系网格员")
    assert "还没有绑定网格" in reply and "网格二维码" in reply and "网格员：" not in reply
    named = stranger.send("幸福小区5栋的网格员是谁")
    assert named.startswith("“幸福小区5栋”属于幸福里第2网格\n网格员：王芳（")
    assert count(svc, Ticket) == 0
    both = stranger.send("幸福小区5栋楼道灯坏了，网格员电话多少")  # a report: its ticket first
    [ticket] = rows(svc, Ticket)
    assert both.startswith(f"已受理，工单号 {ticket.number}，网格员王芳")


def test_a_question_about_a_ticket_answers_where_it_stands_and_tells_its_owner(
        chat, svc, worker, clock):
    chat.send("楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    clock.at(hours=3)  # past the follow-up window
    reply = chat.send("这个问题怎么样了")
    assert reply.startswith(f"您的工单 {ticket.number}（待接单）：楼道灯坏了")
    assert "已把您的询问转告网格员张伟" in reply and count(svc, Ticket) == 1
    assert chat.send("怎么还没人来？").startswith(f"您的工单 {ticket.number}（待接单）")
    assert received(svc, worker)["o_worker_01"] == [f"新工单 {ticket.number}",
                                                    f"居民补充 {ticket.number}",
                                                    f"居民补充 {ticket.number}"]


@pytest.mark.parametrize("question", ["多久能修好", "什么时候来修啊", "请问大概几天能处理好"])
def test_asking_when_it_will_be_done_answers_with_the_deadline(chat, svc, worker, clock,
                                                                question):
    chat.send("楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    clock.at(minutes=5)
    reply = chat.send(question)
    assert reply.startswith(f"您的工单 {ticket.number}（待接单）") and count(svc, Ticket) == 1
    assert "前办结" in reply and "已把您的询问转告网格员张伟" in reply
    assert received(svc, worker)["o_worker_01"] == [f"新工单 {ticket.number}",
                                                    f"居民补充 {ticket.number}"]


def test_a_question_naming_its_matter_answers_for_that_ticket_not_a_new_one(chat, svc, clock):
    chat.send("3栋楼道灯坏了")
    clock.at(hours=3)
    chat.send("小区门口垃圾好几天没人清运")
    lamp, rubbish = rows(svc, Ticket)
    clock.at(hours=6)  # past the follow-up window of both: the words name which one
    reply = chat.send("我上次反映的楼道灯怎么样了")
    assert reply.startswith(f"您的工单 {lamp.number}（待接单）") and count(svc, Ticket) == 2
    said = [e.body for e in rows(svc, TicketEvent, TicketEvent.ticket_id == lamp.id,
                                 TicketEvent.action == "resident_message")]
    assert said == ["我上次反映的楼道灯怎么样了"]
    # a matter none of their tickets is about is no question about one: it is reported
    chat.send("我反映的噪音怎么样了 楼上天天半夜蹦迪")
    assert count(svc, Ticket) == 3


def test_a_resolved_ticket_asked_about_asks_for_the_rating(client, chat, svc):
    chat.send("楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    Chat(client, "o_worker_01").send(f"办结 {ticket.number} 已更换灯泡")
    chat.send("居住证怎么办理")  # a question in between: the conversation moved on
    reply = chat.send("我反映的事情处理得怎么样了？")
    assert reply.startswith(f"您的工单 {ticket.number}（已办结）")
    assert "已更换灯泡" in reply and "请回复 1-5" in reply
    assert chat.send("5") == "感谢您的评价！我们会继续努力。"


@pytest.mark.parametrize("question", ["我的问题处理得怎么样了", "我想问一下我上次反映的问题怎么样了",
                                      "想问下我报的事处理了吗", "我上周反映的那个事到底有没有人管"])
def test_asking_how_it_goes_with_no_ticket_waits_for_a_person(chat, svc, question):
    reply = chat.send(question)
    assert reply.startswith("没有查到您在这里反映过的事") and count(svc, Ticket) == 0
    [held] = rows(svc, HeldMessage)
    assert held.text == question


def test_a_progress_question_after_a_lead_in_answers_for_the_ticket(chat, svc, clock):
    chat.send("3栋楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    clock.at(hours=3)
    for question in ("我想问一下我上次反映的问题怎么样了", "麻烦问一下我投诉的楼道灯修好了吗"):
        assert chat.send(question).startswith(f"您的工单 {ticket.number}（待接单）")
    assert count(svc, Ticket) == 1


def test_thanks_after_an_answer_is_welcomed_and_opens_no_praise_ticket(chat, svc):
    chat.send("居住证怎么办理")
    assert chat.send("谢谢").startswith("不客气！") and chat.send("好的").startswith("好的。")
    assert count(svc, Ticket) == 0
    chat.send("转人工")  # still the question answered before the thanks
    [ticket] = rows(svc, Ticket)
    assert ticket.description == "居住证怎么办理"


@pytest.mark.parametrize("question", ["怎么报事", "这个公众号是干什么的", "你们这个公众号是干嘛的"])
def test_how_to_use_the_account_is_answered(chat, svc, question):
    reply = chat.send(question)
    assert reply.startswith("您好！有事直接在这里发文字：说清什么事、在哪里")
    assert count(svc, Ticket) == 0 and count(svc, HeldMessage) == 0


def test_an_opener_answered_by_the_question_that_follows_waits_for_nobody(client, chat, svc):
    chat.send("您好，我想咨询一下")
    assert chat.send("居住证怎么办理").startswith("您好！居住证")
    chat.send("网格员电话多少")  # an answer too: nothing more to settle, nothing held
    [held] = rows(svc, HeldMessage)
    assert (held.status, held.handled_by_id) == ("replied", None)
    assert held.note == "居民随后的问题已自动答复：居住证怎么办理"
    login(client, "worker01")
    page = client.get("/console/held?tab=handled").get_data(as_text=True)  # 最近已处理
    assert "您好，我想咨询一下" in page and "居民随后的问题已自动答复" in page and "系统" in page
    assert "未受理留言<b>0</b>" in client.get("/console/").get_data(as_text=True)


def test_thanks_after_the_result_is_asked_for_the_rating(client, chat, svc):
    chat.send("楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    Chat(client, "o_worker_01").send(f"办结 {ticket.number} 已更换灯泡")
    assert chat.send("谢谢！").startswith(f"不客气！请回复 1-5 为工单 {ticket.number} 的办理打分")
    assert chat.send("5 很快").startswith("感谢您的评价")


def test_a_resident_just_cheated_is_told_to_call_110_and_the_bank_first(chat, svc):
    reply = chat.send("我被电信诈骗了 刚转了五千块")
    first, rest = reply.split("\n", 1)
    assert "110" in first and "冻结" in first  # minutes count: the transfer can still be stopped
    assert "工单号" in rest
    [ticket] = rows(svc, Ticket)
    assert (ticket.category, ticket.urgency) == ("治安", "urgent")
    assert "110" not in chat.send("新问题 小区里诈骗电话太多了，希望多宣传")  # no fraud told


@pytest.mark.parametrize("again", ["楼道灯还是没人修啊", "怎么还没人来修", "都三天了还没修"])
def test_a_matter_chased_a_day_later_joins_its_open_ticket(chat, svc, worker, clock, again):
    chat.send("3栋楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    clock.at(hours=26)  # long past the follow-up window; the ticket is still open
    reply = chat.send(again)
    assert count(svc, Ticket) == 1 and f"您的工单 {ticket.number}（待接单）" in reply
    assert received(svc, worker)["o_worker_01"] == [f"新工单 {ticket.number}",
                                                    f"居民补充 {ticket.number}"]


@pytest.mark.parametrize("other", ["5栋的楼道灯也坏了", "物业乱停车不管"])
def test_another_of_the_same_kind_is_its_own_ticket(chat, svc, clock, other):
    chat.send("3栋楼道灯坏了" if "灯" in other else "物业不打扫卫生")
    clock.at(hours=26)
    chat.send(other)
    assert count(svc, Ticket) == 2


@pytest.mark.parametrize("question, answer", [
    ("社区医院几点开门", "社区卫生服务中心（卫生院）门诊一般工作日"),
    ("垃圾分类怎么分", "生活垃圾一般分为四类"),
    ("养老金什么时候发", "养老金一般按月发放")])
def test_common_questions_are_answered_at_once(chat, svc, question, answer):
    assert answer in chat.send(question) and count(svc, Ticket) == 0


@pytest.mark.parametrize("first, later, joined", [
    ("楼上天天半夜蹦迪 吵死了", "昨晚又吵到两点", True),          # said to happen again
    ("小区门口垃圾堆了好几天", "垃圾还是没人收 都臭了", True),      # again, in 环境污染's words
    ("楼上天天半夜蹦迪 吵死了", "楼下广场舞太吵了", False),         # another noise
    ("小区门口垃圾堆了好几天", "楼下饭店油烟太大了", False)])
def test_what_is_said_days_later_joins_only_its_own_matter(chat, svc, clock, first, later,
                                                            joined):
    chat.send(first)
    clock.at(hours=30)
    reply = chat.send(later)
    assert count(svc, Ticket) == (1 if joined else 2)
    assert reply.startswith("这件事您已反映过，已并入原工单。") is joined


@pytest.mark.parametrize("place", ["我家楼下", "小区门口", "在楼道里"])
def test_a_place_alone_asks_what_and_the_matter_that_follows_is_one_ticket(chat, svc, clock,
                                                                         place):
    assert chat.send(place) == "好的，请接着说是什么事，例如“路灯坏了，好几天了”。"
    clock.at(minutes=1)
    assert chat.send("那个路灯坏了").startswith("已受理")
    [ticket] = rows(svc, Ticket)  # one ticket, the place on its timeline
    assert ticket.category == "路灯/井盖/道路"
    said = [e.body for e in rows(svc, TicketEvent, TicketEvent.action == "resident_message")]
    assert said == [place]


@pytest.mark.parametrize("words", ["帮我查一下我的工单", "看看我的投诉", "查一下我反映的问题"])
def test_my_tickets_asked_in_a_sentence_lists_them(chat, svc, words):
    chat.send("三单元楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    assert chat.send(words).startswith(f"您最近的工单：\n{ticket.number} 待接单")
    assert count(svc, Ticket) == 1


@pytest.mark.parametrize("question", ["你们是谁", "你们是干什么的", "这是哪里", "这个平台是哪个部门的"])
def test_who_we_are_is_answered_and_opens_nothing(chat, svc, question):
    assert chat.send(question).startswith("您好，我是网格服务台。")
    assert count(svc, Ticket) == 0 and count(svc, HeldMessage) == 0


@pytest.mark.parametrize("question", ["你们这个公众号怎么用", "这个怎么用啊", "怎么投诉", "如何使用"])
def test_how_to_use_is_answered_and_opens_nothing(chat, svc, question):
    assert chat.send(question).startswith("您好！有事直接在这里发文字：说清什么事、在哪里")
    assert count(svc, Ticket) == 0 and count(svc, HeldMessage) == 0
    assert chat.send("怎么投诉楼上漏水").startswith("已受理")  # a matter named is a report


def test_a_resident_asking_to_stay_unnamed_is_answered_and_noted_on_the_ticket(chat, svc,
                                                                               worker):
    chat.send("楼下饭店油烟太大了")
    [ticket] = rows(svc, Ticket)
    reply = chat.send("我不想让网格员知道是我投诉的")
    assert reply.startswith("好的，我们会为您保密") and f"已在工单 {ticket.number} 上注明" in reply
    assert count(svc, Ticket) == 1
    said = [e.body for e in rows(svc, TicketEvent, TicketEvent.action == "resident_message")]
    assert said == ["我不想让网格员知道是我投诉的"]
    assert received(svc, worker)["o_worker_01"] == [f"新工单 {ticket.number}"]  # not pushed


@pytest.mark.parametrize("words", ["投诉处理太慢了 一个礼拜了都没人管", "怎么拖了这么久", "一直没人管"])
def test_a_chase_in_other_words_answers_where_it_stands(chat, svc, clock, words):
    chat.send("三单元楼道灯坏了")
    [ticket] = rows(svc, Ticket)
    clock.at(days=3)
    assert chat.send(words).startswith(f"很抱歉让您久等了。\n您的工单 {ticket.number}（待接单）")
    assert count(svc, Ticket) == 1


@pytest.mark.parametrize("words", ["楼下这辆车停了一个月了 没人管", "楼道里的灯坏了好几天了 没人管"])
def test_a_new_matter_that_says_nobody_cares_is_a_new_ticket(chat, svc, clock, words):
    chat.send("小区门口垃圾堆了好几天")
    clock.at(hours=3)
    assert chat.send(words).startswith("已受理")  # not a chase of the rubbish
    assert count(svc, Ticket) == 2


def test_a_report_that_asks_to_stay_unnamed_is_still_a_report(chat, svc):
    reply = chat.send("我要投诉网格员张伟 态度很差 别告诉他是我说的")
    [ticket] = rows(svc, Ticket)
    assert reply.startswith("已受理") and ticket.category == "工作作风"


@pytest.mark.parametrize("where", ["就在东门那边", "就在那边", "在3栋后面"])
def test_where_it_is_said_after_a_report_joins_it_and_raises_no_alarm(chat, svc, where):
    chat.send("小区门口的垃圾桶满了好几天没人清理")
    [ticket] = rows(svc, Ticket)
    assert chat.send(where).startswith(f"已将您的补充加入工单 {ticket.number}")
    assert [t.urgency for t in rows(svc, Ticket)] == ["normal"]  # the net read 就在+那边 as a robbery
