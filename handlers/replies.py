"""Every text a resident reads, in one place."""
from __future__ import annotations

import re

from handlers import first_aid
from nlp.latin import mostly_latin
from nlp.urgency import labels as urgency_labels
from store.owners import who
from store.sla import clocked_from_morning
from store.vocab import china_time, minutes_between

DANGER = "如遇危险，请立即拨打 110（报警）、119（火警）或 120（急救）！"
WELCOME = ("您好，欢迎关注网格服务台！有事直接发消息给我们：描述问题（如“3栋楼道灯坏了”），"
           "我们会马上派给您所在网格的网格员。")
UNBOUND = ("您还没有绑定网格：请扫描小区公示牌上的网格二维码，或告诉我们您所在的小区、楼栋，"
           "以便派给对应的网格员。")
GUIDE = ("您好，我是网格服务台。请直接描述您遇到的问题或想咨询的事情，"
         "例如“3栋2单元楼道灯坏了”“居住证怎么办理”，我们会派给您的网格员处理。")
# A message kept for a person (未受理留言): the resident is told someone will read it.
HELD = ("您的留言已转给工作人员，会有人看到并尽快回复您。如要报事，请直接说明什么事、在哪里，"
        "例如“3栋2单元楼道灯坏了”。")
# A follow-up to an automatic answer that the answer does not cover: a person answers it.
FAQ_FOLLOW_UP_HELD = "好的，您接着问的这个问题已转给工作人员，会尽快答复您。"
# "我不想让网格员知道是我投诉的": how a resident's name is kept.
CONFIDENTIAL = ("好的，我们会为您保密：您的姓名和电话只有负责处理的工作人员能看到，不会告诉被反映的一方；"
                "如果反映的是网格员本人，工单会交给网格长处理。")
# A place alone ("我家楼下"): the matter is what is missing.
ASK_WHAT = "好的，请接着说是什么事，例如“路灯坏了，好几天了”。"
# Words with no matter yet (a greeting, "我想反映个问题"): one short question back.
ASK_WHAT_AND_WHERE = ("您好，请直接说是什么事、在哪里，例如“3栋2单元楼道灯坏了，好几天了”；"
                      "想咨询的，直接把问题发过来即可。")
YOU_ARE_WELCOME = "不客气！还有别的事，直接发消息告诉我们（什么事、在哪里）。"


def rate_please(number: str) -> str:
    return f"请回复 1-5 为工单 {number} 的办理打分（5 分最满意），也可以写上几句评价。"


def welcome_rate(number: str) -> str:
    return "不客气！" + rate_please(number)


ANYTHING_ELSE = "好的。还有别的事，直接发消息告诉我们（什么事、在哪里）。"
# Who is my grid worker: how to reach them (the account is the way in), and without a grid.
CONTACT_HOW = ("有事直接在这里留言（什么事、在哪里），我们会派给网格员处理；"
               "需要回电的，请在留言里写上您的电话。")
CONTACT_UNBOUND = ("您还没有绑定网格，暂时查不到您的网格员。请扫描小区公示牌上的网格二维码绑定，"
                   "或告诉我们小区和楼栋，例如“幸福小区3栋的网格员是谁”。"
                   "有事也可以直接留言，说明什么事、在哪里。")
VOICE_UNRECOGNISED = "抱歉，没能听清这条语音，已转给工作人员收听。您也可以用文字描述问题，我们马上处理。"
MEDIA = "已收到，工作人员会查看。请再用文字说明是什么事、在哪里，我们好派给网格员处理。"
UNSUPPORTED = "已收到，工作人员会查看。这类消息暂不能自动处理，请直接发送文字描述您的问题。"
ACK_LATER = "您的消息已收到，系统正在处理，稍后会把结果发给您。"
UNKNOWN_GRID = "没有找到这个网格二维码对应的网格，请确认二维码是否为本辖区公示牌上的二维码。"


def bound(grid_name: str, worker: str | None) -> str:
    who = f"，网格员 {worker} 为您服务" if worker else ""
    return f"已为您绑定“{grid_name}”{who}。有事直接发消息给我们即可。"


def coming(ticket) -> str:
    """Who an emergency reaches, as a frightened resident reads it: 网格员张伟 (with the tier)."""
    return who(ticket.assignee) if ticket.assignee is not None else "值班工作人员"


def handler_name(ticket) -> str:
    return ticket.assignee.name if ticket.assignee else "工作人员"


def call_first(call: str | None, name: str | None = None, text: str = "") -> str:
    """An emergency's first line: the number to call, before anything else, and what to do
    while help comes (handlers.first_aid), for what the resident wrote (`text`)."""
    return first_aid.call_first(call, name, text) or DANGER


def emergency_opened(ticket) -> str:
    """Short, for a frightened person on a phone: who to call, then that we are coming."""
    first = call_first(ticket.emergency_call, ticket.emergency_name, ticket.description or "")
    if mostly_latin(ticket.description or ""):   # written in English: the number in English too
        first += "\n" + first_aid.in_english(ticket.emergency_call)
    holder = coming(ticket)
    told = f"已通知{holder}马上联系您，工单号 {ticket.number}。"
    if ticket.grid is None:  # the pool: the duty officer needs the place
        told += "请告诉我们具体地址。"
    return f"{first}\n{told}"


def emergency_joined(ticket, call: str | None, name: str | None = None, text: str = "") -> str:
    """More words of a frightened resident: the number first again, then that they reach the
    person already coming (one ticket, not one alarm per message)."""
    holder = coming(ticket)
    told = f"已加入您的紧急求助（工单 {ticket.number}），{holder}会马上看到。"
    if ticket.grid is None:
        told += "请告诉我们具体地址。"
    first = call_first(call, name, text)
    if mostly_latin(text):
        first += "\n" + first_aid.in_english(call)
    return f"{first}\n{told}"


def stood_down(ticket, call: str | None) -> str:
    """"搞错了 他是喝醉了睡着了" after an alarm: those alerted hear it, and still check."""
    holder = coming(ticket)
    again = f"请立即拨打 {call}" if call else "请立即拨打 110、119 或 120"
    return (f"好的，已告诉{holder}等工作人员（工单 {ticket.number}）：您说已经没有危险。他们仍会联系您"
            f"确认一下。如果再有危险，{again}。")


# A resident just cheated out of money: the police can still stop a transfer, but only fast.
FRAUD_FIRST = ("刚被骗、已转账的，请立即拨打 110 报警（反诈专线 96110），并马上联系银行冻结"
               "收款账户，保留聊天记录和转账凭证。")


# Alone with a stranger at the door who will not go (a fake meter reader): safety first.
DOOR_FIRST = "请不要开门，可隔着门说家人马上回来；如对方强行进门或您感到危险，请立即拨打 110。"
# An urgent situation (its urgency.tsv label) whose reply starts with what keeps the resident safe
SAFETY_FIRST = {"fraud": FRAUD_FIRST, "alone with someone at the door": DOOR_FIRST}


def ticket_opened(ticket, now, *, building_asked: bool = False) -> str:
    """`building_asked`: the ticket waits at an estate of the registry that spans several grids
    (its address), and only the building is missing."""
    if ticket.urgency == "emergency":
        return emergency_opened(ticket)
    said = urgency_labels((ticket.keywords or {}).get("urgency", ()))
    first = next((line for label, line in SAFETY_FIRST.items() if label in said), None)
    opened = _opened(ticket, now, building_asked)
    return f"{first}\n{opened}" if first else opened


# How residents call the one they praise: 小李, 老王, 王姐, 李师傅 (a surname, then what they call
# them); someone other than the ticket's worker is praised when no such name has their surname.
_SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋"
             "蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万"
             "段雷钱汤尹黎易常武乔贺赖龚文")
_CALLED = re.compile(rf"[小老]([{_SURNAMES}])(?![虾层子历菜湖扎块桌凳车路头])|([{_SURNAMES}])(?:姐|哥|大姐|大哥|"
                     rf"师傅|阿姨|叔|书记|主任|警官|医生|老师|站长|同志)")


def praises_someone_else(text: str, person) -> bool:
    """"网格员小李人特别好" when the grid's worker is 张伟: not his praise to be told of."""
    if person is None or not person.name or person.name in text:
        return False
    called = {a or b for a, b in _CALLED.findall(text)}
    return bool(called) and person.name[0] not in called


def _opened(ticket, now, building_asked: bool = False) -> str:
    if ticket.kind == "praise":  # passed on at once: nothing for the resident to follow
        if praises_someone_else(ticket.description, ticket.assignee):
            return (f"感谢您的肯定！您的表扬已记录（记录号 {ticket.number}），"
                    f"{who(ticket.assignee)}会转达给您说的工作人员。")
        told = who(ticket.assignee) if ticket.assignee is not None else "相关工作人员"
        return f"感谢您的肯定！您的表扬已转达给{told}（记录号 {ticket.number}）。"
    return _taken(ticket, now, building_asked) + f"\n回复“查询 {ticket.number}”可查看进度。"


NIGHT_DANGER = "如有危险请直接拨打 110、119 或 120"
# What cannot wait for the morning to be any use: noise keeping people awake now is the
# police's at night (治安管理处罚法), so the resident is told who comes tonight.
NIGHT_NOW = {"噪音扰民": f"夜间噪音正在扰民的，可拨打 110 请民警到场处理；{NIGHT_DANGER}"}


def _taken(ticket, now, building_asked: bool = False) -> str:
    """"已受理，工单号 …，网格员张伟 将在 15 分钟内响应。" and where it went, in one line."""
    minutes = minutes_between(now, ticket.accept_by)
    if ticket.assignee is not None:
        soon = f"将在 {minutes} 分钟内响应" if minutes > 0 else "将尽快响应"
        if clocked_from_morning(ticket.accept_by, now):  # written at night: from 08:00
            soon = (f"将在早上 {china_time(ticket.accept_by)[-5:]} 前响应（夜间收到的事项早上 8 点"
                    f"起处理；{NIGHT_NOW.get(ticket.category, NIGHT_DANGER)}）")
        text = f"已受理，工单号 {ticket.number}，{who(ticket.assignee)} {soon}。"
    else:
        text = f"已受理，工单号 {ticket.number}，工作人员将尽快分派处理。"
    if ticket.grid is None and ticket.address and building_asked:
        # an estate of several grids: its building says which (FollowUp places it then)
        text += (f"“{ticket.address}”分属几个网格，请再回复您的楼栋号（例如“{ticket.address}3栋”），"
                 f"以便派给对应的网格员。")
    elif ticket.grid is None and ticket.address:  # a place we do not know: a person places it
        text += f"地址“{ticket.address}”已记下，工作人员会派给对应的网格员。"
    elif ticket.grid is None:
        text += UNBOUND
    elif ticket.resident is not None and ticket.resident.grid is None:
        text += f"（已按您说的地点派给“{ticket.grid.name}”）"
    return text


def tickets_opened(opened: list, now, *, building_asked: bool = False) -> str:
    """Two or three matters of one message, a ticket each, in one reply."""
    lines = [f"您反映了 {len(opened)} 件事，已分别受理："]
    for n, ticket in enumerate(opened, 1):
        taken = _taken(ticket, now, building_asked).removeprefix('已受理，')
        lines.append(f"{n}. {ticket.category}：{taken}")
    numbers = "、".join(ticket.number for ticket in opened)
    return "\n".join(lines) + f"\n回复“查询”可查看进度（工单 {numbers}）。"


STAFF_HELP = ("工作人员指令：\n查看 工单号（工单全部信息）\n接单 工单号\n回复 工单号 内容（发给居民）\n办结 工单号 处理结果\n"
              "上报 工单号 原因\n转 工单号 部门\n延期 工单号 原因（延长 24 小时，网格员须网格长批准）\n"
              "督办 工单号 说明（网格长及以上）\n待办（我的待办工单）\n"
              "今天有什么事（本辖区今日情况和等您处理的事）\n统计（本辖区本月办结率、满意率等）\n"
              "巡查 问题描述（上报巡查中发现的问题）")
PATROL_GUIDE = ("巡查上报：打开页面选择类别、描述问题、拍照并定位后上报；当场已处理好的可勾选“即报即办”"
                "直接办结。也可以直接回复“巡查 问题描述”，如：巡查 3栋门口井盖松动。")
RESIDENT_HELP = ("您可以：直接描述问题来报事；回复“我的工单”查看进度；“查询 工单号”看处理过程；"
                 "“取消 工单号”撤回；“未解决 工单号”要求重新办理。")
NO_TICKETS = "您还没有工单。直接描述问题即可报事，例如“3栋楼道灯坏了”。"
NEED_NUMBER = "请在指令后面加上工单号，例如：{command} 2611230001"
NOTHING_TO_WITHDRAW = "您目前没有正在办理的工单可以撤回。回复“查询”可查看您反映过的事。"


def todo_lines(todo, now) -> str:
    """One line a ticket with the clock its holder works against now (接单 while it waits to
    be taken, then 首次回复, then 办结), as the 待办 page shows it; a late one says so."""
    from store.notices import running_clock
    from store.vocab import STATUS_NAMES, china_time

    def due(t) -> str:
        if t.kind == "praise":
            return "不计时"
        name, at, _ = running_clock(t)
        return f"{name}限{china_time(at)}" + ("（已超时）" if at < now else "")
    return "\n".join(f"{t.number} {STATUS_NAMES[t.status]} {t.description[:14]} {due(t)}"
                     + (" 特急" if t.urgency == "emergency" else "") for t in todo)


def which_ticket(command: str, candidates, now) -> str:
    """A command without a number that could mean several tickets, or none."""
    if not candidates:
        return NEED_NUMBER.format(command=command)
    return (f"您有 {len(candidates)} 张工单可以{command}，请写明工单号，例如：{command} "
            f"{candidates[0].number}\n" + todo_lines(candidates, now))
NO_EXTENSION_ASKED = "目前没有等待您批准的延期申请。"
NOT_FOUND = "没有找到您的工单 {number}，请核对工单号。"
NO_SUCH_TICKET = "没有找到工单 {number}，请核对工单号（10 位数字），或回复“待办”查看您的工单。"
BIND_FAILED = "绑定码无效或已过期，请在工作台重新生成绑定码。"
BIND_TOO_MANY = "绑定码输错次数过多，请一小时后再试，或请管理员在工作台重新生成绑定码。"
STAFF_PHOTO_WHICH = ("已收到照片。您手上不止一张（或没有）工单，请在工单页面上传现场照片："
                     "回复“待办”打开列表。")
ASK_NEW_MATTER = "好的，请描述新的问题，我们会另开一张工单。"
ASK_FOR_PERSON = "好的，已转给工作人员，会尽快联系您。您也可以直接描述问题或诉求，我们会派人处理。"
REPORT_GUIDE = ("请直接发送文字描述问题（什么事、在哪里），可以再发图片和位置。"
                "例如：“幸福小区3栋2单元楼道灯坏了”。")


def listing(tickets, names) -> str:
    lines = [f"{t.number} {names[t.status]} {t.description[:16]}" for t in tickets]
    return "您最近的工单：\n" + "\n".join(lines) + "\n回复“查询 工单号”查看处理过程。"


def timeline(ticket, events, names, when) -> str:
    lines = [f"工单 {ticket.number}（{names[ticket.status]}）：{ticket.description[:60]}"]
    lines += [f"{when(e.at)} {EVENT_NAMES.get(e.action, '处理')}"
              f"{'：' + e.body[:60] if e.body and e.action != 'created' else ''}" for e in events]
    return "\n".join(lines)


EVENT_NAMES = {"created": "已受理", "assigned": "已派单", "accepted": "已接单", "replied": "回复",
               "resident_message": "您补充", "escalated": "升级督办", "transferred": "转交部门",
               "extended": "延期", "resolved": "已办结", "rated": "已评价",
               "auto_closed": "已关闭", "praise_passed_on": "已转达表扬", "reopened": "重新办理",
               "cancelled": "已取消",
               "placed": "已派往网格", "return_visit": "回访", "return_visit_answer": "您答复回访",
               "urged": "督办", "overdue": "超时", "note": "备注",
               "service_placed": "已联系服务队", "service_full": "队员已接单", "checked_in": "队员已到达"}


def appended(ticket, what: str) -> str:
    who = handler_name(ticket)
    return f"已将{what}加入工单 {ticket.number}，{who}会看到。如果是另一件事，请回复“新问题”。"


def how_to_withdraw(ticket) -> str:
    return f"\n如不再需要处理，请回复“取消 {ticket.number}”撤回工单。"


def small_talk(ticket) -> str:
    return f"收到。您的工单 {ticket.number} 正在处理中，有进展会第一时间告诉您。"


def sent_again(ticket) -> str:
    holder = f"{who(ticket.assignee)}会处理" if ticket.assignee is not None else "工作人员会尽快处理"
    return (f"您反映的这件事已在工单 {ticket.number} 中，{holder}，无需重复发送。"
            f"有新情况可直接补充，回复“查询 {ticket.number}”可查看进度。")


def placed(ticket, grid_name: str) -> str:
    who = f"，{ticket.assignee.name}负责" if ticket.assignee else ""
    return f"谢谢！已按您说的地点把工单 {ticket.number} 派往“{grid_name}”{who}，请留意进度。"


def address_noted(ticket, place: str) -> str:
    who = handler_name(ticket)
    return (f"谢谢！已在工单 {ticket.number} 记下地址“{place}”，{who}会据此派给对应网格的网格员，"
            "请留意进度。")


def reopened(ticket) -> str:
    who = handler_name(ticket)
    return f"已重新办理工单 {ticket.number}，{who}会再次处理，请留意进度。"


def rated(score: int, number: str) -> str:
    if score >= 4:
        return "感谢您的评价！我们会继续努力。"
    return f"感谢您的评价，很抱歉没让您满意。我们会回访并改进；如问题仍未解决，请回复“未解决 {number}”。"


def staff_done(action: str, ticket, staff) -> str:
    """上报 and 转办 hand the ticket on: say to whom, so the sender knows it left them."""
    done = f"已{action}：工单 {ticket.number}（{ticket.description[:20]}）"
    holder = ticket.assignee
    if action in ("上报", "转办") and holder is not None and holder.id != staff.id:
        done += f"，现由{who(holder)}办理"
    if action == "接单":  # taken: what comes next, by when
        done += "\n" + after_accepting(ticket)
    return done


def leader_on_the_way(ticket, words: str) -> str:
    holder = f"仍由{who(ticket.assignee)}办理；" if ticket.assignee is not None else ""
    return (f"已告知居民：{words}\n工单 {ticket.number}（{ticket.description[:20]}）{holder}"
            f"如需由您接手，请回复“接单 {ticket.number}”；处理完毕请回复“办结 {ticket.number} 处理结果”。")


def staff_done_telling(action: str, ticket, staff, words: str) -> str:
    """接单 or 回复 with the worker's own words: what was done, and that the resident heard them."""
    return staff_done(action, ticket, staff) + f"\n已告知居民：{words}"


def how_to_hand_on(ticket) -> str:
    """"这个不归我们管": the two ways a ticket leaves the grid."""
    return (f"工单 {ticket.number}（{ticket.description[:14]}）如不归网格处理，请回复："
            f"“上报 {ticket.number} 原因”交网格长，或“转 {ticket.number} 部门”转给职能部门"
            f"（如：转 {ticket.number} 城管）。")


def extension_asked(ticket, approver) -> str:
    return (f"已申请延期：工单 {ticket.number}（{ticket.description[:20]}），"
            f"等待{who(approver) if approver else '上级'}批准；批准前请按原时限办理。")


def after_accepting(ticket) -> str:
    from store.notices import next_step, running_clock
    from store.vocab import SERVICE_CATEGORIES, china_time
    if ticket.kind == "help" and ticket.category in SERVICE_CATEGORIES:
        return next_step(ticket)  # 下单 to the service teams
    name, due, _ = running_clock(ticket)
    finish = f"处理好后回复“办结 {ticket.number} 处理结果”"
    if name == "首次回复":
        return f"请在 {china_time(due)} 前答复居民（回复 {ticket.number} 内容），{finish}。"
    return f"{finish}（限 {china_time(due)} 前）。"


def bound_staff(staff, area_name: str, role: str) -> str:
    return f"绑定成功：{staff.name}（{role}，{area_name}）。新工单会推送到这里。\n{STAFF_HELP}"


def place_received(grid_name: str | None, place: str | None = None) -> str:
    """"我住幸福小区3栋": the place is noted for the report that follows."""
    if grid_name:
        return f"好的，已记下您的地址（属于“{grid_name}”）。请再说说是什么事，我们会派给这个网格的网格员。"
    return f"好的，已记下地址“{place}”。请再说说是什么事，工作人员会派给对应的网格员。"


def estate_received(estate: str) -> str:
    return (f"好的，已记下“{estate}”。{estate}分属几个网格，请再告诉我们楼栋号和是什么事，"
            f"例如“{estate}3栋楼道灯坏了”。")


def location_received(grid_name: str | None) -> str:
    where = f"（属于“{grid_name}”）" if grid_name else ""
    return f"已收到您的位置{where}。请再用文字描述一下问题，我们会派给对应的网格员。"


def ticket_card(ticket, now, viewer) -> str:
    """查看 <号>: the whole ticket for the staff member who acts on it, without the console.
    The resident's phone numbers are for its handler; anyone else (a grid leader, the
    community looking on) reads them masked, as on the ticket page."""
    from store.notices import deadline
    from store.registry import TO_ACCEPT
    from store.vocab import (KIND_NAMES, STATUS_NAMES, URGENCY_NAMES, china_time,
                             holder_name, mask_phones)
    shown = (lambda words: words) if ticket.assignee_id == viewer.id else mask_phones
    urgency = "" if ticket.urgency == "normal" else f"·{URGENCY_NAMES[ticket.urgency]}"
    photos = sum(1 for e in ticket.events if (e.data or {}).get("type") == "image")
    lines = [f"工单 {ticket.number}（{STATUS_NAMES[ticket.status]}{urgency}）",
             f"类型：{KIND_NAMES.get(ticket.kind, '其他')}·{ticket.category}",
             f"内容：{shown(ticket.description)}",
             f"网格：{ticket.grid.name if ticket.grid else '待定位'}（当前：{holder_name(ticket)}）"]
    if ticket.address:
        lines.append(f"地点：{ticket.address}")
    if ticket.lat is not None and ticket.lng is not None:
        lines.append(f"位置：纬度 {ticket.lat:.5f}，经度 {ticket.lng:.5f}")
    if photos:
        lines.append(f"照片：{photos} 张（工作台查看）")
    lines.append(f"处理人：{who(ticket.assignee) if ticket.assignee else '待分派'}")
    if ticket.status in TO_ACCEPT:
        lines.append(f"接单时限：{deadline(ticket, now)[0][1]}")
    if ticket.kind != "praise" and ticket.status not in ("closed", "cancelled"):
        lines.append(f"办结时限：{china_time(ticket.resolve_by)} 前")
    said = [e for e in ticket.events if e.action == "resident_message" and e.body]
    lines += [f"居民补充：{shown(e.body)[:40]}" for e in said[-3:]]
    return "\n".join(lines)


def page_line(url: str | None, label: str) -> str:
    """A phone page's link at the end of a text (WeChat shows an <a href> in a text message
    as a link); nothing where there are no phone pages."""
    return f'\n<a href="{url}">{label}</a>' if url else ""


def patrol_opened(ticket) -> str:
    return (f"已上报巡查发现，工单号 {ticket.number}（{ticket.category}），由您负责办理。"
            "办结时请在工单页面上传现场照片。")


NO_TICKET_TO_CHECK = ("没有查到您在这里反映过的事。如果是别处反映的，请说说是什么事、在哪里，"
                      "我们帮您跟进；工作人员也会看到这条留言。")


def progress(ticket, told: bool) -> str:
    """这个问题怎么样了: where their newest matter stands, and what they can do next."""
    from store.vocab import STATUS_NAMES, china_time, holder_name
    lines = [f"您的工单 {ticket.number}（{STATUS_NAMES[ticket.status]}）：{ticket.description[:30]}"]
    done = [e for e in ticket.events if e.public and e.action in EVENT_NAMES
            and e.action not in ("resident_message", "return_visit_answer")]
    if done:
        last = done[-1]
        said = f"：{last.body[:40]}" if last.body and last.action in ("replied", "resolved") else ""
        lines.append(f"最近进展：{china_time(last.at)} {EVENT_NAMES[last.action]}{said}")
    holder = who(ticket.assignee) if ticket.assignee is not None else holder_name(ticket)
    if told and ticket.resolve_by is not None and ticket.kind != "praise":
        lines.append(f"按时限应在 {china_time(ticket.resolve_by)} 前办结。")  # "多久能修好"
    if told:
        lines.append(f"已把您的询问转告{holder}，有进展会第一时间告诉您。")
    elif ticket.status == "resolved":
        lines.append(f"请回复 1-5 为办理打分；问题没解决请回复“未解决 {ticket.number}”。")
    elif ticket.status == "closed":
        lines.append(f"如问题仍在，请回复“未解决 {ticket.number}”。")
    else:
        lines.append("如还需要处理，请直接描述问题（什么事、在哪里）。")
    return "\n".join(lines)
