"""Words that tell the truth: the tier that holds a ticket by its name, no stale clocks,
praise without clocks, no English labels where people read, Chinese error pages."""
from bot.wechat.jobs import sweep_sla
from store.models import Outbox, Ticket

from tests.bot.console.test_console import login
from tests.support import Chat, rows


def told(svc, openid, purpose) -> list[str]:
    return [o.payload["text"] for o in rows(svc, Outbox, Outbox.to_openid == openid,
                                            Outbox.purpose == purpose)]


def test_the_resident_is_told_the_tier_not_a_grids_name(app, chat, svc, clock):
    chat.send("小区门口垃圾堆放三天没人清运")
    clock.at(minutes=16)
    with app.app_context():
        sweep_sla()
    clock.at(minutes=31)
    with app.app_context():
        sweep_sla()
    [to_leader, to_community] = told(svc, chat.openid, "escalated")
    assert "已提交网格长督办" in to_leader and "幸福里第1网格" not in to_leader
    assert "已提交幸福里社区工作站督办" in to_community


def test_a_late_push_says_late_instead_of_0_minutes(app, chat, svc, clock):
    chat.send("小区门口垃圾堆放三天没人清运")
    clock.at(minutes=16)
    with app.app_context():
        sweep_sla()
    [push] = told(svc, "o_leader_01", "escalated")
    assert "0 分钟内" not in push and "已超过" in push and "请尽快接单" in push


def test_praise_for_someone_else_is_not_told_as_the_workers(chat, svc, clock):
    """小李 or 王姐 praised while 张伟 holds the grid: he is not said to have been thanked, and he
    reads it to pass on; his own nickname (小张) is his."""
    reply = chat.send("网格员小李人特别好 帮我家老人办了证")
    [ticket] = rows(svc, Ticket)
    assert ticket.kind == "praise"
    assert reply == f"感谢您的肯定！您的表扬已记录（记录号 {ticket.number}），网格员张伟会转达给您说的工作人员。"
    assert told(svc, "o_worker_01", "praise")[0].startswith(f"【表扬】居民表扬 {ticket.number}")
    second = chat.send("小张人特别好 效率很高")
    assert second.startswith("感谢您的肯定！您的表扬已转达给网格员张伟")


def test_praise_that_names_another_grids_worker_reaches_her_not_the_residents_worker(
        chat, svc, clock):
    """王芳 works 幸福里第2网格; a resident of 张伟's grid thanks her by name: she hears it."""
    reply = chat.send("我想给网格员王芳点个赞 上次帮我家老人办了低保")
    [ticket] = rows(svc, Ticket)
    assert reply == f"感谢您的肯定！您的表扬已转达给网格员王芳（记录号 {ticket.number}）。"
    assert told(svc, "o_worker_02", "praise")[0].startswith(f"【表扬】居民表扬 {ticket.number}")
    assert told(svc, "o_worker_01", "praise") == []
    assert ticket.assignee.name == "王芳" and ticket.status == "closed"


def test_praise_is_passed_on_and_closed_and_runs_no_clocks(app, chat, client, svc, clock):
    reply = chat.send("表扬网格员张伟，帮我们解决了楼道堆物，非常负责")
    [ticket] = rows(svc, Ticket)
    assert ticket.kind == "praise"
    assert reply == f"感谢您的肯定！您的表扬已转达给网格员张伟（记录号 {ticket.number}）。"
    # 张伟 reads the praise itself, not a 新工单 to take; it never waits in his 待办
    assert told(svc, "o_worker_01", "ticket_assigned") == []
    [praise] = told(svc, "o_worker_01", "praise")
    assert praise.startswith(f"【表扬】居民表扬 {ticket.number}")
    assert "居民说：表扬网格员张伟，帮我们解决了楼道堆物，非常负责" in praise
    assert ticket.status == "closed"
    assert Chat(client, "o_worker_01").send("待办").startswith("您目前没有待办工单")
    clock.at(hours=30)
    with app.app_context():
        assert sweep_sla() == 0
    assert rows(svc, Ticket)[0].tier == "grid"
    login(client, "admin")
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "接单时限" not in page and "表扬已转达" in page


def test_the_inbox_names_tiers_in_chinese(app, chat, client, svc, clock):
    chat.send("小区门口垃圾堆放三天没人清运")
    clock.at(minutes=16)
    with app.app_context():
        sweep_sla()
    login(client, "admin")
    page = client.get("/console/").get_data(as_text=True)
    assert "grid_leader" not in page and "网格长" in page


def test_error_pages_are_in_chinese(client, demo):
    login(client, "worker01")
    missing = client.get("/console/tickets/0000000000")
    assert missing.status_code == 404 and "页面不存在" in missing.get_data(as_text=True)
    forbidden = client.get("/console/staff")
    assert forbidden.status_code == 403 and "无权访问" in forbidden.get_data(as_text=True)
