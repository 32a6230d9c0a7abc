"""今天有什么事: a grid leader or a grid worker asks what is on today and gets their scope's day
(open, late, new, resolved) and what waits on them, not the list of commands."""
import pytest

from store.models import Ticket

from tests.support import Chat, rows


@pytest.fixture
def day(chat, client, clock):
    """Yesterday's lamp (now late) and this morning's rubbish in 幸福里第1网格; 张伟 took the
    rubbish and asked his leader for more time; a newcomer's 你好 waits for a person."""
    zhang = Chat(client, "o_worker_01")
    clock.at(hours=-20)  # yesterday 13:00
    chat.send("3栋楼道灯坏了")
    clock.at(minutes=30)  # today 09:30
    chat.send("新问题 小区门口垃圾堆了三天没人清运")
    rubbish = rows(chat.client.application.extensions["griddesk"], Ticket)[1].number
    zhang.send(f"接单 {rubbish}")
    zhang.send(f"申请延期 {rubbish} 要等环卫车")
    newcomer = Chat(client, "o_newcomer")
    newcomer.event("subscribe", "qrscene_grid:330199001001001")
    newcomer.send("你好")
    clock.at(hours=1)
    return zhang


@pytest.mark.parametrize("words", ["今天有什么事", "今天有啥事", "有什么要处理的", "现在情况怎么样"])
def test_a_grid_leader_asking_whats_on_gets_the_day_of_the_community(client, day, words, svc):
    reply = Chat(client, "o_leader_01").send(words)  # 周建国, 幸福里社区
    assert reply.startswith("幸福里社区 今日情况（截至11-23 10:00）")
    assert "在办 2 件，其中超时 1 件" in reply and "今天新受理 1 件，办结 0 件" in reply
    assert "您手上没有待办工单" in reply
    assert "延期申请 1 件等您批准" in reply and "未受理留言 1 条" in reply
    assert "工作人员指令" not in reply


def test_a_grid_worker_gets_their_grid_and_their_own_list_most_urgent_first(client, day, svc):
    lamp, rubbish = rows(svc, Ticket)
    reply = day.send("今天有啥事")  # 张伟
    assert reply.startswith("幸福里第1网格 今日情况")
    assert "等您处理：2 件（待接单 1 件）" in reply
    first, second = [line for line in reply.splitlines() if line[:10].isdigit()]
    assert first.startswith(lamp.number) and "已超时" in first
    assert second.startswith(rubbish.number)
    assert "延期申请" not in reply  # he asked; his leader approves
    quiet = Chat(client, "o_worker_02").send("有什么要处理的")  # 王芳, 幸福里第2网格
    assert "在办 0 件，其中超时 0 件" in quiet and "您手上没有待办工单" in quiet


def test_at_night_the_leader_hears_the_same_day(client, day, clock):
    clock.at(hours=14)  # 23:00
    reply = Chat(client, "o_leader_01").send("今天有什么事？")
    assert reply.startswith("幸福里社区 今日情况（截至11-23 23:00）")
    assert "在办 2 件，其中超时 1 件" in reply


def test_a_resident_asking_whats_on_is_a_resident(chat):
    assert "今日情况" not in chat.send("今天有什么事")



def test_a_leaders_good_morning_is_answered_with_the_day(client, day):
    reply = Chat(client, "o_leader_01").send("早上好")
    assert reply.startswith("您好！幸福里社区 今日情况") and "回复“帮助”查看全部指令" in reply
    assert "工作人员指令" in Chat(client, "o_leader_01").send("帮助")


def test_the_command_list_says_how_to_ask(client, demo):
    assert "今天有什么事（本辖区今日情况" in Chat(client, "o_leader_01").send("帮助")
