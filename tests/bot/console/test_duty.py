"""值班 in the console: who is on duty now, a warning where nobody is, hours and unbinding
from the staff page (an unbound person's open tickets go to someone a push reaches); the
inbox's accept deadline and a search over every tab."""
from sqlalchemy import select

from store.models import Outbox, Staff, Ticket

from tests.bot.console.test_console import login
from tests.support import Chat, rows


def staff_id(svc, username) -> int:
    with svc.db.sessions() as session:
        return session.scalar(select(Staff.id).where(Staff.username == username))


def save(client, svc, username, **form):
    [person] = rows(svc, Staff, Staff.username == username)
    data = {"do": "save", "role": person.role, "area": person.area_id, "phone": person.phone,
            "on_duty": "1" if person.on_duty else "", "active": "1", **form}
    return client.post(f"/console/staff/{person.id}", data=data, follow_redirects=True)


def test_the_duty_page_shows_who_is_on_duty_and_warns_where_nobody_is(client, demo, svc):
    login(client, "admin")
    page = client.get("/console/duty").get_data(as_text=True)
    assert "区中心值班员" in page and "duty-warning" not in page
    save(client, svc, "community001002", on_duty="")
    page = client.get("/console/duty").get_data(as_text=True)
    assert "现在无人值班（或值班人员未绑定微信）：和平社区" in page


def test_duty_hours_are_checked_and_kept(client, demo, svc):
    login(client, "admin")
    page = save(client, svc, "district", duty_hours="8:00-20:00").get_data(as_text=True)
    assert "已保存" in page
    assert rows(svc, Staff, Staff.username == "district")[0].duty_hours == "08:00-20:00"
    page = save(client, svc, "district", duty_hours="早上八点").get_data(as_text=True)
    assert "值班时间格式应为 08:00-20:00" in page
    assert rows(svc, Staff, Staff.username == "district")[0].duty_hours == "08:00-20:00"


def test_unbinding_a_worker_hands_their_open_tickets_to_the_grid_leader(client, chat, svc):
    chat.send("三单元楼道灯坏了")
    login(client, "admin")
    page = client.post(f"/console/staff/{staff_id(svc, 'worker01')}", data={"do": "unbind"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已解除微信绑定；其 1 张在办工单已改派" in page
    [ticket] = rows(svc, Ticket)
    assert ticket.assignee.username == "leader01"
    told = [o.to_openid for o in rows(svc, Outbox, Outbox.ticket_id == ticket.id)]
    assert told == ["o_worker_01", "o_leader_01"]


def test_deactivating_a_worker_hands_their_tickets_on(client, chat, svc):
    chat.send("三单元楼道灯坏了")
    login(client, "admin")
    page = save(client, svc, "worker01", active="").get_data(as_text=True)
    assert "其 1 张在办工单已改派给可接收推送的人员" in page
    [ticket] = rows(svc, Ticket)
    assert ticket.assignee.username == "leader01"


def test_a_search_covers_every_tab_and_the_inbox_shows_the_accept_deadline(
        client, chat, svc):
    chat.send("三单元楼道灯坏了")
    chat.send("新问题 小区门口垃圾没人清运")
    done, still_open = rows(svc, Ticket)
    Chat(client, "o_worker_01").send(f"办结 {done.number} 已更换灯泡")
    login(client, "admin")
    found = client.get("/console/?q=楼道灯").get_data(as_text=True)
    assert done.number in found  # resolved, yet found from the inbox's search box
    inbox = client.get("/console/").get_data(as_text=True)
    assert "接单时限" in inbox and still_open.number in inbox and done.number not in inbox


def test_an_agent_gives_a_pool_ticket_to_a_person_and_the_resident_is_told(client, demo, svc):
    Chat(client, "o_stranger").send("路边井盖丢了")
    [ticket] = rows(svc, Ticket)
    login(client, "admin")
    page = client.post(f"/console/tickets/{ticket.number}/act",
                       data={"action": "assign", "staff_id": staff_id(svc, "street002")},
                       follow_redirects=True).get_data(as_text=True)
    assert "已分派给 西溪街道分中心" in page
    assert rows(svc, Ticket)[0].assignee.username == "street002"
    pushed = [(o.to_openid, o.purpose) for o in rows(svc, Outbox)]
    assert ("o_street_002", "ticket_assigned") in pushed
    assert ("o_stranger", "assigned_to") in pushed
