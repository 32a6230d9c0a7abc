"""The console's inbox and ticket actions, through the real app and the real webhook."""
import re

from store.models import CannedReply, Outbox, Staff, Ticket, TicketEvent
from store.models import Area

from tests.bot.console.test_console import login
from tests.support import Chat, count, rows


def number_of(reply: str) -> str:
    return re.search(r"工单号 (\d{10})", reply).group(1)


def act(client, number, action, **form):
    return client.post(f"/console/tickets/{number}/act", data={"action": action, **form},
                       follow_redirects=True)


def test_inbox_filters_search_counts_and_pages(client, chat, svc, app):
    app.config["WTF_CSRF_ENABLED"] = False
    first = number_of(chat.send("小区路灯坏了一排"))
    Chat(client, "o_other_resident").send("新问题")
    second = number_of(chat.send("新问题 楼下餐馆油烟太大，熏得没法开窗"))
    login(client, "district")
    page = client.get("/console/").get_data(as_text=True)
    assert first in page and second in page and "待办<b>2</b>" in page
    assert first in client.get(f"/console/?q={first}").get_data(as_text=True)
    found = client.get("/console/?q=油烟").get_data(as_text=True)
    assert second in found and first not in found
    assert "待办<b>1</b>" in found
    assert first not in client.get("/console/?tab=closed").get_data(as_text=True)
    grid = rows(svc, Area, Area.code == "330199002001001")[0]
    assert first not in client.get(f"/console/?area={grid.id}").get_data(as_text=True)
    # keyset pages: one ticket per page when the page size is 1
    import bot.console.inbox as inbox
    inbox.PAGE_SIZE, size = 1, inbox.PAGE_SIZE
    try:
        page1 = client.get("/console/?sort=new").get_data(as_text=True)
        cursor = re.search(r'after=([0-9_.]+)', page1).group(1)
        page2 = client.get(f"/console/?sort=new&after={cursor}").get_data(as_text=True)
        assert second in page1 and first not in page1
        assert first in page2 and second not in page2
        due1 = client.get("/console/").get_data(as_text=True)
        cursor = re.search(r'after=([0-9_.]+)', due1).group(1)
        assert first in due1 and second not in due1
        assert second in client.get(f"/console/?after={cursor}").get_data(as_text=True)
        # every tab (as a search shows) lists the newest first, unless due time is chosen
        newest = client.get("/console/?tab=all").get_data(as_text=True)
        assert second in newest and first not in newest
        by_due = client.get("/console/?tab=all&sort=due").get_data(as_text=True)
        assert first in by_due and second not in by_due
    finally:
        inbox.PAGE_SIZE = size
    poll = client.get("/console/inbox/poll?tab=open").get_data(as_text=True)
    assert first in poll and "<form" not in poll
    csv = client.get("/console/export/tickets.csv?tab=all").get_data(as_text=True)
    assert csv.startswith("\ufeff工单号") and first in csv and second in csv


def test_every_action_goes_through_the_lifecycle(client, chat, svc, app):
    app.config["WTF_CSRF_ENABLED"] = False
    number = number_of(chat.send("3栋楼道灯坏了"))
    login(client, "leader01")  # 周建国, the grid leader of 幸福里
    assert "已接单" in act(client, number, "accept").get_data(as_text=True)
    assert "已回复居民" in act(client, number, "reply", text="今天下午修").get_data(as_text=True)
    assert "已添加内部备注" in act(client, number, "note", text="物业电话 88886666").get_data(True)
    assert "已督办" in act(client, number, "urge", text="尽快").get_data(as_text=True)
    assert "已延期 8 小时" in act(client, number, "extend", text="等配件", hours="8").get_data(True)
    assert "已延期过一次" in act(client, number, "extend", text="再等", hours="8").get_data(True)
    page = act(client, number, "resolve", text="").get_data(as_text=True)
    assert "请填写办结说明" in page
    assert "已办结" in act(client, number, "resolve", text="已更换灯泡").get_data(as_text=True)
    assert "计入返工" in act(client, number, "reopen", text="居民来电仍不亮").get_data(True)
    [ticket] = rows(svc, Ticket)
    assert ticket.status == "reopened" and ticket.reopen_count == 1 and ticket.urge_count == 1
    actions = [e.action for e in rows(svc, TicketEvent)]
    assert actions[-7:] == ["accepted", "replied", "note", "urged", "extended", "resolved",
                            "reopened"]
    note = rows(svc, TicketEvent, TicketEvent.action == "note")[0]
    assert not note.public and note.staff_id is not None
    purposes = [o.purpose for o in rows(svc, Outbox, Outbox.to_openid == chat.openid)]
    assert {"accepted", "replied", "extended", "resolved"} <= set(purposes)
    assert "note" not in purposes
    page = client.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert "物业电话 88886666" in page and "内部，居民不可见" in page and "返工 1 次" in page


def test_assign_escalate_and_transfer(client, chat, svc, app):
    app.config["WTF_CSRF_ENABLED"] = False
    number = number_of(chat.send("小区门口井盖丢了"))
    login(client, "community001001")
    page = client.get(f"/console/tickets/{number}").get_data(as_text=True)
    wang = re.search(r'<option value="(\d+)"[^>]*>王芳', page).group(1)
    assert "已分派给 王芳" in act(client, number, "assign", staff_id=wang).get_data(True)
    assert "请选择本网格链上的工作人员" in act(client, number, "assign",
                                             staff_id="99999").get_data(True)
    assert "已上报至" in act(client, number, "escalate", text="需要社区协调").get_data(True)
    assert "已转办城管" in act(client, number, "transfer", department="城管").get_data(True)
    [ticket] = rows(svc, Ticket)
    assert ticket.tier == "department" and ticket.department == "城管"


def test_a_ticket_is_never_given_to_a_service_team_member_who_could_not_see_it(
        client, chat, svc, app):
    app.config["WTF_CSRF_ENABLED"] = False
    number = number_of(chat.send("小区门口井盖丢了"))
    login(client, "community001001")
    page = client.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert "王芳 · 网格员" in page  # the grid chain is offered
    assert "李明 · 服务队员" not in page  # a member's WeChat and console show service orders only
    member = rows(svc, Staff, Staff.username == "member01")[0]
    refused = act(client, number, "assign", staff_id=member.id).get_data(True)
    assert "请选择本网格链上的工作人员" in refused
    assert rows(svc, Ticket)[0].assignee.name == "张伟"
    assert rows(svc, Outbox, Outbox.to_openid == member.openid) == []


def test_another_scopes_ticket_is_404_for_pages_and_actions(client, chat, svc, app):
    app.config["WTF_CSRF_ENABLED"] = False
    number = number_of(chat.send("楼道灯坏了"))
    login(client, "worker02")
    assert client.get(f"/console/tickets/{number}").status_code == 404
    assert client.post(f"/console/tickets/{number}/act",
                       data={"action": "resolve", "text": "x"}).status_code == 404
    [ticket] = rows(svc, Ticket)
    assert ticket.status == "assigned"


def test_canned_replies_are_offered_below_their_area(client, chat, svc, app):
    app.config["WTF_CSRF_ENABLED"] = False
    number = number_of(chat.send("楼道灯坏了"))
    login(client, "community001001")
    community = rows(svc, Area, Area.code == "330199001001")[0]
    client.post("/console/canned", data={"area": community.id, "title": "已联系物业",
                                         "body": "您好，已联系物业，今天内处理。"})
    assert count(svc, CannedReply) == 1
    page = client.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert "已联系物业（幸福里社区）" in page
    client.post("/console/logout")
    login(client, "community002001")  # another community cannot see or use it
    assert "今天内处理" not in client.get("/console/canned").get_data(as_text=True)


def test_actions_need_the_csrf_token(make_app, demo, app, chat):
    number = number_of(chat.send("楼道灯坏了"))
    strict = make_app(extra={"TESTING": True}).test_client()
    form = strict.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    strict.post("/console/login", data={"username": "admin", "password": "griddesk",
                                        "csrf_token": token})
    assert strict.post(f"/console/tickets/{number}/act", data={"action": "accept"}
                       ).status_code == 400


def test_sessions_expire_when_idle(client, demo, svc, app):
    login(client, "admin")
    assert client.get("/console/").status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] -= svc.settings.console_idle_minutes * 60 + 1
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_a_workers_inbox_puts_what_must_be_taken_now_before_what_was_taken_earlier(
        client, chat, svc, app):
    """The deadline that applies now: a ticket waiting to be taken (15 minutes) comes before
    one already taken whose day to resolve it runs out later, though it was opened later;
    page by page, in that order."""
    import time_machine
    from datetime import datetime, timedelta, timezone
    import bot.console.inbox as inbox
    zhang = Chat(client, "o_worker_01")
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as clock:
        taken = number_of(chat.send("小区路灯坏了一排"))
        zhang.send(f"接单 {taken}")  # its clock now: resolve within 24 hours
        clock.shift(timedelta(hours=2))
        waiting = number_of(chat.send("新问题 楼下餐馆油烟太大，熏得没法开窗"))
        login(client, "worker01")
        page = client.get("/console/").get_data(as_text=True)
        assert page.index(waiting) < page.index(taken)
        inbox.PAGE_SIZE, size = 1, inbox.PAGE_SIZE
        try:
            first = client.get("/console/").get_data(as_text=True)
            cursor = re.search(r'after=([0-9_.]+)', first).group(1)
            second = client.get(f"/console/?after={cursor}").get_data(as_text=True)
        finally:
            inbox.PAGE_SIZE = size
    assert waiting in first and taken not in first
    assert taken in second and waiting not in second
    assert [t.due_at for t in rows(svc, Ticket, Ticket.number == waiting)] == [
        t.accept_by for t in rows(svc, Ticket, Ticket.number == waiting)]
