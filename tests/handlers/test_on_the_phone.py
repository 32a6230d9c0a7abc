"""What a grid worker's phone shows of a push about their ticket. WeChat shows a template's
fields only, not its title: what happened and the resident's words must be in the fields."""
from store.models import Ticket

from tests.fake_wechat import real_wechat, web, wechat  # noqa: F401 (fixtures)
from tests.handlers.test_service_loop import people, shown_to  # noqa: F401 (fixture)
from tests.support import rows, run_worker

WORKER, LEADER = "o_worker_01", "o_leader_01"


def test_a_residents_answer_shows_on_the_workers_phone(web, people, wechat):
    people["resident"].send("三单元楼道灯坏了")
    [ticket] = rows(web.extensions["griddesk"], Ticket)
    people["zhang"].send(f"回复 {ticket.number} 请问是几楼的灯")
    people["resident"].send("5楼和6楼")
    run_worker(web)
    shown = shown_to(wechat, WORKER)[-1]
    assert "居民补充" in shown and "5楼和6楼" in shown and ticket.number in shown


def test_an_alarm_stood_down_shows_as_such_on_both_phones(web, people, wechat):
    people["resident"].send("楼下有人晕倒了")
    people["resident"].send("不好意思 搞错了 他是喝醉了睡着了")
    run_worker(web)
    for openid in (WORKER, LEADER):
        shown = shown_to(wechat, openid)[-1]
        assert "居民说已无危险" in shown and "搞错了" in shown
