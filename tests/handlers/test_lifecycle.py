"""The closed loop as residents and grid workers live it, through the real webhook.

信息收集 → 任务分办 → 协同处置 → 结果反馈 → 办结回访, with a clock that moves.
"""
from datetime import timedelta

import pytest

from bot.wechat.jobs import close_and_revisit, sweep_sla
from store.models import HeldMessage, Outbox, Resident, Staff, Ticket, TicketEvent

from tests.handlers.conftest import START
from tests.handlers.test_no_dead_ends import received
from tests.support import Chat, count, rows, run_worker


@pytest.fixture
def zhang(client, demo):
    return Chat(client, "o_worker_01")  # 张伟, grid worker of 幸福里第1网格


def the_ticket(svc) -> Ticket:
    [ticket] = rows(svc, Ticket)
    return ticket


def sweep(app):
    with app.app_context():
        return sweep_sla()


def to(svc, openid, purpose=None):
    """What was queued for one person (optionally of one purpose), oldest first."""
    where = [Outbox.to_openid == openid] + ([Outbox.purpose == purpose] if purpose else [])
    return rows(svc, Outbox, *where)


def test_a_late_complaint_climbs_exactly_one_tier_per_breached_clock(app, chat, zhang, svc,
                                                                      clock):
    chat.send("小区门口垃圾堆放三天没人清运，臭味很大")
    number = the_ticket(svc).number

    clock.at(minutes=14)
    assert sweep(app) == 0  # nothing is late yet
    clock.at(minutes=16)
    assert sweep(app) == 1 and sweep(app) == 0  # the accept clock escalates once
    ticket = the_ticket(svc)
    assert (ticket.tier, ticket.assignee.name) == ("grid_leader", "周建国")
    assert len(to(svc, "o_leader_01", "escalated")) == 1
    [told] = to(svc, chat.openid, "escalated")
    assert "督办" in told.payload["text"]

    # the leader holds it now; 张伟 was told and is answered with who holds it
    assert "已转交网格长周建国" in zhang.send(f"接单 {number}")
    leader = Chat(zhang.client, "o_leader_01")
    assert leader.send(f"接单 {number}").startswith(f"已接单：工单 {number}")
    clock.at(minutes=31)
    assert sweep(app) == 1  # no reply within 30 minutes: one more tier
    assert the_ticket(svc).tier == "community"
    assert the_ticket(svc).assignee.name == "幸福里社区工作站"

    zhang.send(f"回复 {number} 已联系环卫，今天下午清运")  # what he knows still helps
    clock.at(hours=23)
    assert sweep(app) == 0  # replied, and inside 24 hours
    clock.at(hours=25)
    assert sweep(app) == 1 and sweep(app) == 0
    assert the_ticket(svc).tier == "street"
    actions = [e.action for e in rows(svc, TicketEvent)]
    assert actions.count("escalated") == 3


def test_a_ticket_escalated_after_it_was_taken_asks_its_new_holder_to_answer_not_to_take_it(
        app, chat, zhang, svc, clock):
    chat.send("小区门口垃圾堆放三天没人清运，臭味很大")
    number = the_ticket(svc).number
    zhang.send(f"接单 {number}")
    clock.at(minutes=31)
    assert sweep(app) == 1  # taken, but nobody answered the resident in 30 minutes
    [push] = to(svc, "o_leader_01", "escalated")
    text = push.payload["text"]
    assert "首次回复时限：已超过 11-23 09:30，请尽快答复居民" in text
    assert f"请回复「回复 {number} 内容」答复居民" in text and f"「接单 {number}」" not in text

    zhang.send(f"回复 {number} 已联系环卫，今天下午清运")
    clock.at(hours=25)
    assert sweep(app) == 1
    [push] = to(svc, "o_community_001001", "escalated")
    assert "办结时限：已超过 11-24 09:00，请尽快办结" in push.payload["text"]
    assert push.payload["remark"] == f"工单已接单，处理好后请回复「办结 {number} 处理结果」。"


def test_the_to_do_list_in_wechat_shows_the_clock_that_runs_now_late_ones_first(
        app, chat, zhang, svc, clock):
    chat.send("3栋楼道灯坏了")
    lamp = the_ticket(svc).number
    zhang.send(f"接单 {lamp}")
    zhang.send(f"回复 {lamp} 下午来换")  # answered: now it runs against the day to resolve it
    clock.at(minutes=20)
    chat.send("新问题 小区门口垃圾好几天没人清运")
    rubbish = rows(svc, Ticket)[-1].number
    clock.at(minutes=40)  # the rubbish has waited 20 minutes to be taken: it is late
    lines = zhang.send("待办").split("\n")
    assert lines[1].startswith(rubbish) and lines[1].endswith("接单限11-23 09:35（已超时）")
    assert lines[2].startswith(lamp) and lines[2].endswith("办结限11-24 09:00")


def test_the_resident_follows_every_step_and_rates_to_close(chat, zhang, svc, clock):
    chat.send("三单元楼道灯坏了，晚上很黑")
    number = the_ticket(svc).number
    zhang.send(f"接单 {number}")
    [accepted] = to(svc, chat.openid, "accepted")
    assert "张伟（139****0001）" in accepted.payload["text"]
    zhang.send(f"回复 {number} 下午三点上门更换")
    [replied] = to(svc, chat.openid, "replied")
    assert "下午三点上门更换" in replied.payload["text"]

    assert zhang.send(f"办结 {number} 已更换LED灯泡").startswith("已办结")
    [resolved] = to(svc, chat.openid, "resolved")
    assert "已更换LED灯泡" in resolved.payload["text"] and "1-5" in resolved.payload["text"]

    assert chat.send("5 很及时，谢谢") == "感谢您的评价！我们会继续努力。"
    ticket = the_ticket(svc)
    assert (ticket.status, ticket.rating, ticket.rating_comment) == ("closed", 5, "很及时，谢谢")
    assert rows(svc, Resident, Resident.openid == chat.openid)[0].state == {}
    assert chat.send("5").startswith("您的留言已转给工作人员")  # a stray digit later is just a message


def test_not_fixed_reopens_to_the_same_worker_and_counts_as_rework(chat, zhang, svc, clock):
    chat.send("楼上漏水到我家卫生间")
    number = the_ticket(svc).number
    zhang.send(f"办结 {number} 已协调楼上维修")
    chat.send("2")
    clock.at(hours=2)
    reply = chat.send(f"未解决 {number} 还在滴水")
    assert reply.startswith(f"已重新办理工单 {number}，张伟")
    ticket = the_ticket(svc)
    assert (ticket.status, ticket.reopen_count, ticket.assignee.name) == ("reopened", 1, "张伟")
    assert ticket.resolve_by == START + timedelta(hours=26)  # a fresh 24 hours
    [rework] = to(svc, "o_worker_01", "reopened")
    assert "返工" in rework.payload["text"] and "还在滴水" in rework.payload["text"]


def test_a_reopened_ticket_stays_with_its_worker_who_has_fresh_minutes_to_take_it_again(
        app, chat, zhang, svc, clock):
    chat.send("楼上漏水到我家卫生间")
    number = the_ticket(svc).number
    zhang.send(f"接单 {number}")  # on time
    zhang.send(f"办结 {number} 已协调楼上维修")
    clock.at(hours=2)
    chat.send(f"未解决 {number} 还在滴水")
    clock.at(hours=2, minutes=1)
    assert sweep(app) == 0  # the first accept clock ran out long ago: no reason to climb
    assert to(svc, chat.openid, "escalated") == []
    assert f"{number} 重新办理" in zhang.send("待办")
    clock.at(hours=2, minutes=16)
    assert sweep(app) == 1  # not taken again within 15 minutes: then it climbs
    assert the_ticket(svc).assignee.name == "周建国"


def test_low_ratings_get_a_return_visit_and_silence_closes_after_72_hours(
        app, client, demo, zhang, svc, clock):
    unhappy, silent = Chat(client, "o_demo_resident"), Chat(client, "o_silent")
    silent.event("subscribe", "qrscene_grid:330199001001001")
    unhappy.send("小区路灯坏了一排")
    silent.send("楼道垃圾堆放没人管")
    first, second = [t.number for t in rows(svc, Ticket)]
    zhang.send(f"办结 {first} 已报修")
    zhang.send(f"办结 {second} 已清理")
    unhappy.send("1 修得很慢")

    clock.at(hours=73)
    with app.app_context():
        assert close_and_revisit() == {"closed": 1, "visited": 1, "sent_in_the_morning": 0}
        assert close_and_revisit() == {"closed": 0, "visited": 0, "sent_in_the_morning": 0}
    assert [t.status for t in rows(svc, Ticket)] == ["closed", "closed"]
    [visit] = to(svc, unhappy.openid, "return_visit")
    assert f"未解决 {first}" in visit.payload["text"]
    run_worker(app)  # delivery chooses the channel by what WeChat still allows
    [visit] = to(svc, unhappy.openid, "return_visit")
    assert visit.channel == "template"  # 73 hours after the resident last wrote: outside 48 h


def test_sos_opens_an_emergency_ticket_and_pushes_worker_and_leader(chat, svc):
    reply = chat.event("CLICK", "SOS")
    assert "110" in reply and "119" in reply and "120" in reply
    ticket = the_ticket(svc)
    assert (ticket.urgency, ticket.kind) == ("emergency", "help")
    assert ticket.accept_by - ticket.created_at == timedelta(minutes=5)
    assert [o.to_openid for o in rows(svc, Outbox)] == ["o_worker_01", "o_leader_01"]


def test_a_worker_cannot_act_outside_their_scope(chat, client, svc):
    chat.send("楼道灯坏了")
    number = the_ticket(svc).number
    wang = Chat(client, "o_worker_02")  # 王芳, another grid
    assert wang.send(f"办结 {number} 已处理").startswith(f"没有找到工单 {number}，请核对工单号")
    assert wang.send(f"接单 {number}").startswith(f"没有找到工单 {number}")
    assert the_ticket(svc).status == "assigned" and count(svc, TicketEvent) == 2


def test_a_mistyped_number_is_not_taken_for_somebody_elses_ticket(chat, zhang, svc):
    chat.send("楼道灯坏了")
    number = the_ticket(svc).number
    typo = number[:-1] + str((int(number[-1]) + 5) % 10)
    assert zhang.send(f"接单 {typo}").startswith(f"没有找到工单 {typo}，请核对工单号")
    assert the_ticket(svc).status == "assigned"


def test_a_worker_who_escalates_is_told_who_has_the_ticket_now(chat, zhang, svc):
    chat.send("小区道路路面塌陷一个大坑")
    number = the_ticket(svc).number
    assert zhang.send(f"上报 {number} 需要社区协调").endswith("，现由网格长周建国办理")
    assert zhang.send(f"转 {number} 住建").endswith("，现由区住建办理")


def test_follow_ups_join_the_open_ticket_and_a_new_matter_does_not(chat, svc, clock):
    chat.send("三单元楼道灯坏了")
    number = the_ticket(svc).number
    assert chat.send("是3楼到5楼那几盏灯").startswith(f"已将您的补充加入工单 {number}，张伟会看到")
    picture = chat.send_xml(
        "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o_demo_resident]]>"
        "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        "<PicUrl><![CDATA[http://img/1.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>"
        "<MsgId>9001</MsgId></xml>")
    assert picture.startswith(f"已将图片加入工单 {number}")
    assert chat.send("另外小区门口有人占道摆摊").startswith("已受理")  # another category
    assert chat.send("新问题 单元门禁也坏了").startswith("已受理")
    assert count(svc, Ticket) == 3
    added = rows(svc, TicketEvent, TicketEvent.action == "resident_message")
    assert [e.body for e in added] == ["是3楼到5楼那几盏灯", None]
    assert added[1].data["pic_url"] == "http://img/1.jpg"

    clock.at(hours=3)  # 2 hours on, the open ticket of that matter still takes its words
    assert chat.send("楼道灯还是不亮").startswith(f"这件事您已反映过，已并入原工单。\n您的工单 {number}")
    clock.at(hours=3, minutes=1)  # and the picture sent with them (not a message held)
    picture = chat.send_xml(
        "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o_demo_resident]]>"
        "</FromUserName><CreateTime>1700000100</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        "<PicUrl><![CDATA[http://img/2.jpg]]></PicUrl><MediaId><![CDATA[m2]]></MediaId>"
        "<MsgId>9002</MsgId></xml>")
    assert picture.startswith(f"已将图片加入工单 {number}")
    assert count(svc, Ticket) == 3 and count(svc, HeldMessage) == 0

    clock.at(hours=30)  # the next day: a picture first, then the words saying what it shows
    chat.send_xml(
        "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o_demo_resident]]>"
        "</FromUserName><CreateTime>1700090000</CreateTime><MsgType><![CDATA[image]]></MsgType>"
        "<PicUrl><![CDATA[http://img/3.jpg]]></PicUrl><MediaId><![CDATA[m3]]></MediaId>"
        "<MsgId>9003</MsgId></xml>")
    clock.at(hours=30, minutes=1)
    assert chat.send("楼道灯还是没人修").startswith("这件事您已反映过，已并入原工单。")
    light = rows(svc, Ticket, Ticket.number == number)[0]
    pictures = [e.data.get("pic_url") for e in rows(svc, TicketEvent,
                                                     TicketEvent.ticket_id == light.id) if e.data]
    assert "http://img/3.jpg" in pictures
    assert [h.status for h in rows(svc, HeldMessage)] == ["opened"]


@pytest.mark.parametrize("report,more", [
    ("三单元楼道灯坏了", "好几天了 晚上黑乎乎的 老人摔了一跤"),  # hints at 治安, names nothing
    ("小区门口有人乱停车", "车牌号是鲁A12345 白色的"),
    ("楼下饭店油烟太大", "每天中午和晚上都有"),
    ("隔壁装修太吵了", "现在晚上十点了还在砸墙"),
    ("物业不给修电梯", "你们到底管不管"),  # a push on the matter, not an opener
])
def test_more_words_on_the_same_matter_stay_in_its_thread(chat, svc, clock, report, more):
    chat.send(report)
    clock.at(minutes=2)
    assert chat.send(more).startswith(f"已将您的补充加入工单 {the_ticket(svc).number}")


def test_the_answer_to_a_workers_question_hours_later_reaches_that_worker(chat, zhang, svc,
                                                                          worker, clock):
    chat.send("三单元楼道灯坏了")
    ticket = the_ticket(svc)
    clock.at(hours=3)
    zhang.send(f"回复 {ticket.number} 请问是几楼的灯")
    clock.at(hours=9)  # past the two hours after the report: the question is what counts
    assert chat.send("5楼和6楼").startswith(f"已将您的补充加入工单 {ticket.number}，张伟会看到")
    assert count(svc, HeldMessage) == 0 and count(svc, Ticket) == 1
    assert received(svc, worker)["o_worker_01"][-1] == f"居民补充 {ticket.number}"
    assert chat.send("小区门口的垃圾也好几天没人收了").startswith("已受理")  # a new matter


def test_a_phone_number_sent_after_the_report_is_the_one_to_call_back(chat, svc, clock):
    chat.send("楼上漏水 滴到我家卧室了")
    clock.at(minutes=1)
    chat.send("我的电话是13912345678")
    assert the_ticket(svc).resident_phone == "13912345678"


def test_a_resident_who_says_never_mind_is_told_how_to_withdraw(chat, svc, clock):
    chat.send("楼上漏水")
    number = the_ticket(svc).number
    clock.at(minutes=1)
    assert chat.send("算了 不用了").endswith(f"如不再需要处理，请回复“取消 {number}”撤回工单。")
    assert chat.send("取消") == f"您要撤回工单 {number}（楼上漏水）吗？确认请回复“确认”或“取消 {number}”。"
    assert the_ticket(svc).status != "cancelled"  # only the number confirms it
    assert chat.send(f"取消 {number}") == f"已取消工单 {number}。"


@pytest.mark.parametrize("yes", ["确认", "取消", "是的"])
def test_the_question_to_withdraw_is_answered_yes_in_a_word(chat, svc, clock, yes):
    chat.send("楼上漏水")
    number = the_ticket(svc).number
    clock.at(minutes=1)
    chat.send("取消")
    assert chat.send(yes) == f"已取消工单 {number}。"
    assert the_ticket(svc).status == "cancelled"


def test_a_yes_long_after_the_question_withdraws_nothing(chat, svc, clock):
    chat.send("楼上漏水")
    clock.at(minutes=1)
    chat.send("取消")
    clock.at(minutes=30)
    assert not chat.send("确认").startswith("已取消")
    assert the_ticket(svc).status != "cancelled"


def test_said_fixed_is_told_how_to_withdraw(chat, svc, clock):
    chat.send("楼上漏水")
    number = the_ticket(svc).number
    clock.at(minutes=1)
    assert chat.send("谢谢 已经修好了").endswith(f"如不再需要处理，请回复“取消 {number}”撤回工单。")
    assert the_ticket(svc).status != "cancelled"


@pytest.mark.parametrize("words", ["我要撤销刚才的投诉", "我想撤回刚才的投诉", "我想取消", "撤销工单"])
def test_a_withdrawal_in_words_is_取消_confirmed_by_the_number(chat, svc, clock, words):
    assert chat.send(words) == "您目前没有正在办理的工单可以撤回。回复“查询”可查看您反映过的事。"
    chat.send("楼上漏水")
    number = the_ticket(svc).number
    clock.at(minutes=1)
    assert chat.send(words) == f"您要撤回工单 {number}（楼上漏水）吗？确认请回复“确认”或“取消 {number}”。"
    assert the_ticket(svc).status != "cancelled" and count(svc, Ticket) == 1


def test_取消_or_查询_before_a_matter_is_that_matter_not_a_command(chat, svc):
    assert chat.send("取消小区门口的摆摊").startswith("已受理")  # a suggestion: ban the stalls
    assert the_ticket(svc).category == "占道经营"
    assert "社保" in chat.send("查询社保怎么交")  # a question, answered


def test_residents_see_and_cancel_only_their_own_tickets(chat, client, svc):
    chat.send("小区垃圾桶满了没人清运")
    number = the_ticket(svc).number
    listing = chat.send("我的工单")
    assert number in listing and "待接单" in listing
    timeline = chat.send(f"查询 {number}")
    assert "已受理" in timeline and "已派单" not in timeline  # internal events stay inside
    stranger = Chat(client, "o_stranger")
    assert stranger.send(f"查询 {number}") == f"没有找到您的工单 {number}，请核对工单号。"
    assert stranger.send(f"取消 {number}").startswith("没有找到")
    assert chat.send(f"取消 {number}") == f"已取消工单 {number}。"
    assert the_ticket(svc).status == "cancelled"
    assert "已取消" in chat.send(f"取消 {number}")  # twice: a clear refusal, no change


def test_staff_bind_their_wechat_with_a_one_time_code(client, demo, svc, clock):
    with svc.db.transaction() as session:
        from sqlalchemy import select
        staff = session.scalar(select(Staff).where(Staff.username == "worker03"))
        staff.openid, staff.bind_code = None, "4829130517"
        staff.bind_code_expires_at = START + timedelta(minutes=10)
    phone = Chat(client, "o_new_phone")
    assert phone.send("绑定 0000000000").startswith("绑定码无效")
    assert phone.send("绑定 4829130517").startswith("绑定成功：李娜（网格员，幸福里第3网格）")
    assert phone.send("绑定 4829130517").startswith("绑定码无效")  # one time only
    assert phone.send("你好").startswith("您好！幸福里第3网格 今日情况")  # staff now: their day
    assert phone.send("帮助").startswith("工作人员指令")
    assert phone.send("待办").startswith("您目前没有待办工单。\n<a href=")


def test_a_worker_types_as_they_would_say_it(chat, zhang, svc):
    chat.send("3栋楼道灯坏了")
    number = the_ticket(svc).number
    assert zhang.send("我的工单").startswith(f"待办工单（最急的在前）：\n{number} 待接单 3栋楼道灯坏了")
    assert zhang.send(f"查询 {number}").startswith(f"工单 {number}")
    plain = zhang.send("5栋门口的井盖松了")  # no command: what to do next, how to report it
    assert plain.startswith(f"您的待办：工单 {number}（待接单，3栋楼道灯坏了），回复“接单”即可接单。\n"
                            "工作人员指令")
    assert "如是巡查发现的问题，请回复：巡查 5栋门口的井盖松了" in plain
    assert "打开待办列表" in plain and count(svc, Ticket) == 1


def test_a_worker_with_one_ticket_need_not_type_its_number(chat, zhang, svc, worker,
                                                          clock):
    chat.send("3栋楼道灯坏了")
    number = the_ticket(svc).number
    assert zhang.send("收到").endswith(f"工单 {number}（待接单，3栋楼道灯坏了），回复“接单”即可接单。")
    assert zhang.send("接单") == (f"已接单：工单 {number}（3栋楼道灯坏了）\n请在 11-23 09:30 前答复居民"
                                 f"（回复 {number} 内容），处理好后回复“办结 {number} 处理结果”。")
    assert "处理好后回复“办结 处理结果”" in zhang.send("还没修好")
    assert zhang.send("办结 已经换好灯泡了") == f"已办结：工单 {number}（3栋楼道灯坏了）"
    ticket = the_ticket(svc)
    assert ticket.status == "resolved"
    assert any("处理结果：已经换好灯泡了" in text
               for text in received(svc, worker)[chat.openid])


def test_a_praise_held_beside_a_matter_is_not_what_a_bare_command_means(chat, zhang, svc):
    chat.send("网格员张伟态度特别好 帮我们解决了漏水问题")
    reply = chat.send("3栋楼道灯坏了")
    light = rows(svc, Ticket, Ticket.kind != "praise")[0]
    assert light.number in reply
    assert zhang.send("接单").startswith(f"已接单：工单 {light.number}")
    assert zhang.send("办结 已更换灯泡") == f"已办结：工单 {light.number}（3栋楼道灯坏了）"
    praise = rows(svc, Ticket, Ticket.kind == "praise")[0]
    assert praise.status == "closed"  # passed on when it came: nothing left to do


def test_a_worker_asks_for_more_time_in_wechat_and_the_grid_leader_grants_it(chat, zhang,
                                                                             client, svc, worker):
    chat.send("三单元楼道灯坏了")
    zhang.send("接单")
    deadline = the_ticket(svc).resolve_by
    number = the_ticket(svc).number
    assert zhang.send("申请延期 灯具要订货") == (
        f"已申请延期：工单 {number}（三单元楼道灯坏了），等待网格长周建国批准；"
        "批准前请按原时限办理。")
    assert f"【申请延期】张伟 {number}" in received(svc, worker)["o_leader_01"]
    assert the_ticket(svc).resolve_by == deadline  # asked, not granted
    assert Chat(client, "o_leader_01").send(f"延期 {number} 同意 灯具订货").startswith(
        f"已延期：工单 {number}")
    assert the_ticket(svc).resolve_by - deadline == timedelta(hours=24)
    assert received(svc, worker)["o_worker_01"][-1] == f"延期已批准（周建国） {number}"
    assert zhang.send("延期 还要等").startswith(f"工单 {number} 已延期过一次")


def test_a_number_is_asked_for_when_a_command_could_mean_two_tickets(chat, zhang, svc):
    chat.send("3栋楼道灯坏了")
    chat.send("新问题 小区门口垃圾好几天没人清运")
    lamp, rubbish = rows(svc, Ticket)
    reply = zhang.send("接单")
    assert reply.startswith("您有 2 张工单可以接单，请写明工单号") and lamp.number in reply \
        and rubbish.number in reply
    assert {t.status for t in rows(svc, Ticket)} == {"assigned"}


def test_transfer_to_a_department_which_accepts_it(chat, zhang, client, svc):
    chat.send("小区门口有人占道摆摊卖菜")
    number = the_ticket(svc).number
    assert zhang.send(f"转 {number} 不存在的局").startswith("没有找到部门")
    assert zhang.send(f"转 {number} 城管").startswith("已转办")
    ticket = the_ticket(svc)
    assert (ticket.tier, ticket.department, ticket.assignee.name) == ("department", "城管",
                                                                      "区城管")
    city = Chat(client, "o_dept_01")
    assert city.send(f"接单 {number}").startswith("已接单")  # 部门接单
    assert the_ticket(svc).status == "accepted"
    [told] = to(svc, chat.openid, "transferred")
    assert "城管" in told.payload["text"]


def test_a_worker_names_the_department_as_they_say_it_with_why(chat, zhang, svc, worker):
    """"转 物业 …" with the one ticket in hand: 物业 is overseen by 住建, and the why reaches it;
    a name the district has not is answered with the names it has."""
    chat.send("楼上漏水到我家天花板了 找物业也不管")
    number = the_ticket(svc).number
    assert zhang.send(f"转 {number} 派出所 有纠纷").startswith(
        f"没有找到部门“派出所”。可转办的部门：交警、住建、城管、市场监管、水电气、生态环境，"
        f"例如：转 {number} 城管 占道经营\n")
    assert zhang.send("转 物业 楼上漏水属物业维修范围").startswith(
        f"已转办：工单 {number}（楼上漏水到我家天花板了 找物业也不管），现由区住建办理")
    assert the_ticket(svc).department == "住建"
    assert f"【转办】张伟移交：楼上漏水属物业维修范围 {number}" in received(svc, worker)["o_dept_02"]


def test_a_department_given_a_ticket_has_its_own_minutes_to_take_it(app, chat, zhang, client,
                                                                    svc, clock):
    chat.send("小区门口有人占道摆摊卖菜")
    number = the_ticket(svc).number
    zhang.send(f"接单 {number}")
    clock.at(minutes=20)  # the worker finds it is the city's: past the first 15 minutes
    zhang.send(f"转 {number} 城管")
    [push] = to(svc, "o_dept_01", "transferred")
    assert "接单时限：11-23 09:35 前（15 分钟内）" in push.payload["text"]
    clock.at(minutes=21)
    assert sweep(app) == 0  # not late for what it was given a minute ago
    assert "overdue" not in [e.action for e in rows(svc, TicketEvent)]
    assert Chat(client, "o_dept_01").send("待办").split("\n")[1].endswith("接单限11-23 09:35")


def test_supervisors_urge_and_extend_once(chat, client, svc, app, clock):
    chat.send("小区道路路面塌陷一个大坑")
    ticket = the_ticket(svc)
    leader = Chat(client, "o_leader_01")
    assert leader.send(f"督办 {ticket.number} 今天必须处理").startswith("已督办")
    assert len(to(svc, "o_worker_01", "urged")) == 1
    assert Chat(client, "o_worker_01").send(f"督办 {ticket.number}").startswith("只有网格长")

    from store import ladder
    with svc.db.transaction() as session:
        fresh = session.get(Ticket, ticket.id)
        boss = session.get(Staff, fresh.assignee_id)
        ladder.extend(session, fresh, START, by=session.get(Staff, leader_id(svc)),
                      reason="需要等待施工队", hours=48)
        with pytest.raises(Exception, match="已延期过一次"):
            ladder.extend(session, fresh, START, by=session.get(Staff, leader_id(svc)),
                          reason="再等等")
        with pytest.raises(Exception, match="网格长及以上"):
            ladder.extend(session, fresh, START, by=boss, reason="x")
    assert the_ticket(svc).resolve_by == START + timedelta(hours=72)
    clock.at(hours=25)
    sweep(app)
    assert the_ticket(svc).tier == "community"  # accept and reply clocks ran out, not resolve


def leader_id(svc) -> int:
    return rows(svc, Staff, Staff.username == "leader01")[0].id


def issue_code(svc, username: str) -> str:
    from sqlalchemy import select

    from store import registry
    with svc.db.transaction() as session:
        staff = session.scalar(select(Staff).where(Staff.username == username))
        return registry.issue_bind_code(session, staff, svc.now())


def test_a_binding_code_is_void_after_a_few_wrong_tries(client, demo, svc):
    code = issue_code(svc, "worker03")
    assert len(code) >= 10 and code.isdigit()
    for n in range(5):  # each from another WeChat user, all aimed at this one code
        wrong = code[:4] + f"{(int(code[4:]) + n + 1) % 10**6:06d}"
        assert Chat(client, f"o_guesser_{n}").send(f"绑定 {wrong}").startswith("绑定码无效")
    assert Chat(client, "o_real_phone").send(f"绑定 {code}").startswith("绑定码无效")
    fresh = issue_code(svc, "worker03")  # the console issues a new one
    assert Chat(client, "o_real_phone").send(f"绑定 {fresh}").startswith("绑定成功：李娜")


def test_one_sender_gets_a_few_tries_an_hour(client, demo, svc):
    code = issue_code(svc, "worker04")
    guesser = Chat(client, "o_guesser")
    for n in range(5):
        assert guesser.send(f"绑定 {n:010d}").startswith("绑定码无效")
    assert guesser.send(f"绑定 {code}").startswith("绑定码输错次数过多")  # even a right one
    assert Chat(client, "o_worker04_phone").send(f"绑定 {code}").startswith("绑定成功")


@pytest.mark.parametrize("words, status, rating, read_as", [
    ("还是不亮啊", "reopened", None, None), ("根本没修好 骗人", "reopened", None, None),
    ("满意 谢谢张伟", "closed", 5, "满意"), ("不满意", "closed", 2, "不满意"),
    ("一般吧 太慢了", "closed", 3, "一般")])
def test_asked_to_rate_the_resident_answers_in_words(chat, zhang, svc, worker, words, status,
                                                     rating, read_as):
    chat.send("3栋楼道灯坏了")
    number = the_ticket(svc).number
    zhang.send(f"接单 {number}")
    zhang.send(f"办结 {number} 已更换灯泡")
    reply = chat.send(words)
    ticket = the_ticket(svc)  # still the one ticket: the words were about it
    assert (ticket.status, ticket.rating) == (status, rating)
    if rating is None:
        assert reply == f"已重新办理工单 {number}，张伟会再次处理，请留意进度。"
        assert f"【返工】居民反映未解决 {number}" in received(svc, worker)["o_worker_01"]
    else:
        assert reply.startswith(f"已按“{read_as}”为工单 {number} 记 {rating} 分。")


@pytest.mark.parametrize("words, rating", [("五分", 5), ("给4星 很及时", 4), ("打三分吧", 3),
                                           ("5分", 5)])
def test_a_score_in_chinese_numerals_or_stars_rates(chat, zhang, svc, words, rating):
    chat.send("3栋楼道灯坏了")
    number = the_ticket(svc).number
    zhang.send(f"办结 {number} 已更换灯泡")
    assert chat.send(words).startswith("感谢您的评价")
    assert (the_ticket(svc).status, the_ticket(svc).rating) == ("closed", rating)
    assert count(svc, HeldMessage) == 0


def test_another_matter_said_while_a_rating_is_asked_is_that_matter(chat, zhang, svc):
    chat.send("3栋楼道灯坏了")
    number = the_ticket(svc).number
    zhang.send(f"接单 {number}")
    zhang.send(f"办结 {number} 已更换灯泡")
    chat.send("小区门口的垃圾还没人收")
    lamp, rubbish = rows(svc, Ticket)
    assert (lamp.status, rubbish.category) == ("resolved", "垃圾清运")


@pytest.mark.parametrize("words, opened", [("5栋电梯坏了", 1), ("2单元门口垃圾没人收", 1),
                                           ("3栋楼道灯坏了 另外小区门口下水道堵了", 2)])
def test_a_matter_starting_with_a_building_number_is_no_score(chat, zhang, svc, words, opened):
    chat.send("3栋楼道灯坏了")
    number = the_ticket(svc).number
    zhang.send(f"办结 {number} 已更换灯泡")
    assert not chat.send(words).startswith("感谢您的评价")  # it was rated 5, 2 and 3
    lamp, *new = rows(svc, Ticket)
    assert (lamp.status, lamp.rating, len(new)) == ("resolved", None, opened)


@pytest.mark.parametrize("answer, rating", [("4 另外垃圾站太臭了", 4), ("满意 另外小区门口下水道堵了", 5),
                                            ("5分 还有3栋门口的路灯也不亮", 5)])
def test_a_rating_followed_by_another_matter_rates_and_opens_it(chat, zhang, svc, answer,
                                                                 rating):
    chat.send("3栋楼道灯坏了")
    number = the_ticket(svc).number
    zhang.send(f"办结 {number} 已更换灯泡")
    reply = chat.send(answer)
    lamp, new = rows(svc, Ticket)
    assert (lamp.rating, new.kind, new.status) == (rating, "complaint", "assigned")
    assert reply.startswith("感谢您的评价") or reply.startswith("已按“满意”")
    assert f"已受理，工单号 {new.number}" in reply


@pytest.mark.parametrize("answer, rating, category", [
    ("还行吧 不过楼道又很脏了", 3, "垃圾清运"), ("4分 但是小区门口的垃圾好几天没人收了", 4, "垃圾清运"),
    ("还行 不过灯还是有点暗", None, None), ("3 不过来得太慢了", 3, None)])
def test_a_rating_then_but_another_topic_opens_it_while_a_remark_stays_a_remark(
        chat, zhang, svc, answer, rating, category):
    chat.send("3栋楼道灯坏了")
    zhang.send(f"办结 {the_ticket(svc).number} 已更换灯泡")
    chat.send(answer)  # "不过灯还是有点暗" is the same lamp, not fixed: it reopens, no new ticket
    lamp, *new = rows(svc, Ticket)
    assert (lamp.rating, [t.category for t in new]) == (rating, [category] if category else [])


def test_a_complaint_about_the_grid_leader_goes_above_him_not_to_his_worker(chat, svc, worker):
    reply = chat.send("我要投诉网格长周建国 上次说好来看一直没来")
    ticket = the_ticket(svc)
    assert ticket.category == "工作作风" and ticket.escalation_level == 2
    assert ticket.assignee.name not in ("周建国", "张伟")
    pushed = received(svc, worker)
    assert "o_worker_01" not in pushed and "o_leader_01" not in pushed
    assert ticket.number in reply and "周建国" not in reply


def test_a_complaint_about_the_grid_worker_goes_to_the_grid_leader(chat, zhang, client, svc,
                                                                   worker):
    reply = chat.send("我要投诉网格员张伟 态度很差 打电话也不接")
    ticket = the_ticket(svc)
    assert (ticket.category, ticket.assignee.name, ticket.escalation_level) == (
        "工作作风", "周建国", 1)
    assert reply.startswith(f"已受理，工单号 {ticket.number}，网格长周建国")
    pushed = received(svc, worker)
    assert pushed["o_leader_01"] == [f"新工单 {ticket.number}"] and "o_worker_01" not in pushed
    # nor can the worker read it (it names the resident who complained about him)
    assert zhang.send(f"查看 {ticket.number}").startswith(f"没有找到工单 {ticket.number}")
    assert ticket.number not in zhang.send("待办")
    assert Chat(client, "o_leader_01").send(f"查看 {ticket.number}").startswith(
        f"工单 {ticket.number}")
