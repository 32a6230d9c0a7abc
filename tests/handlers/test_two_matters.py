"""Two matters in one message, a ticket each: fixing the light cannot close the drain. Only
where the resident marked a new matter and each part names a topic of its own."""
from store.models import Ticket
from tests.handlers.test_no_dead_ends import received
from tests.support import Chat, rows


def test_a_light_and_a_drain_in_one_message_are_two_tickets(chat, client, svc, worker):
    reply = chat.send("3栋楼道灯坏了 另外小区门口下水道堵了")
    light, drain = rows(svc, Ticket)
    assert (light.description, light.category) == ("3栋楼道灯坏了", "路灯/井盖/道路")
    assert (drain.description, drain.category) == ("小区门口下水道堵了", "排水/下水道")
    assert reply == (
        "您反映了 2 件事，已分别受理：\n"
        f"1. 路灯/井盖/道路：工单号 {light.number}，网格员张伟 将在 15 分钟内响应。\n"
        f"2. 排水/下水道：工单号 {drain.number}，网格员张伟 将在 15 分钟内响应。\n"
        f"回复“查询”可查看进度（工单 {light.number}、{drain.number}）。")
    assert received(svc, worker)["o_worker_01"] == [f"新工单 {light.number}",
                                                    f"新工单 {drain.number}"]
    zhang = Chat(client, "o_worker_01")
    zhang.send(f"办结 {light.number} 已更换灯泡")
    assert [t.status for t in rows(svc, Ticket)] == ["resolved", "assigned"]  # drain still open


def test_a_numbered_list_and_a_place_said_once_place_both(client, demo, svc):
    stranger = Chat(client, "o_new_resident")
    stranger.send("幸福小区3栋：1.垃圾桶满了没人清 2.楼道灯不亮")
    tickets = rows(svc, Ticket)
    assert [t.category for t in tickets] == ["垃圾清运", "路灯/井盖/道路"]
    assert {t.grid.name for t in tickets} == {"幸福里第1网格"}  # the place named once


def test_one_matter_told_in_two_parts_stays_one_ticket(client, demo, svc):
    texts = ("幸福小区楼道灯坏了 还有三楼的也不亮",  # the same topic
             "幸福小区楼下烧烤店油烟很大 还有晚上很吵",  # the second part names no topic alone
             "幸福小区楼道灯坏了 另外电梯困人了 快来")  # an emergency is one alarm, not split
    for n, text in enumerate(texts):
        Chat(client, f"o_resident_{n}").send(text)
    assert [t.description for t in rows(svc, Ticket)] == list(texts)
