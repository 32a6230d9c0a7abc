"""统计 in WeChat: a grid leader asks how their community is doing and gets this month's
figures and what is open and late now, the same figures as the console's dashboard; a worker
gets their grid's; a resident's 统计 is a resident's words."""
import csv
import io
import re

import pytest

from store.models import Ticket

from tests.bot.console.test_console import login
from tests.support import Chat, rows

WECHAT_TEXT_BYTES = 2048  # a text message's content, passive or customer-service


@pytest.fixture
def month(chat, client, svc, clock):
    """Two reports in 幸福里第1网格: the lamp fixed in time and rated 5, the rubbish late."""
    zhang = Chat(client, "o_worker_01")
    chat.send("3栋楼道灯坏了")
    lamp = rows(svc, Ticket)[0].number
    chat.send("新问题 小区门口垃圾堆了三天没人清运")
    zhang.send(f"接单 {lamp}")
    zhang.send(f"办结 {lamp} 已更换灯泡")
    chat.send("5")
    clock.at(hours=30)  # the rubbish is past its 24 hours
    return zhang


def test_a_grid_leader_types_tongji_and_sees_the_communitys_month(client, month, app):
    reply = Chat(client, "o_leader_01").send("统计")  # 周建国, 幸福里社区
    assert reply.startswith("幸福里社区 11月统计")
    assert "受理 2 件，已办结 1 件" in reply
    assert "办结率 50.0%，按期办结率 100%" in reply and "满意率 100%（1 条评价）" in reply
    assert "当前在办 1 件，其中超时 1 件" in reply
    assert len(reply.encode()) <= WECHAT_TEXT_BYTES
    login(client, "leader01")  # the console's dashboard says the same
    page = client.get("/console/dashboard").get_data(as_text=True)
    assert re.search(r'id="kpi-closure">50.0%<', page) and re.search(r'id="kpi-ontime">100%<', page)
    assert re.search(r'id="kpi-satisfaction">100%<', page)


@pytest.mark.parametrize("words", ["本月统计", "数据", "看看数据", "查一下这个月的数据"])
def test_a_worker_asks_in_their_own_words_and_gets_their_grid(client, month, words):
    reply = month.send(words)  # 张伟
    assert reply.startswith("幸福里第1网格 11月统计") and "当前在办 1 件，其中超时 1 件" in reply
    far = Chat(client, "o_worker_02").send(words)  # 王芳, 幸福里第2网格: nothing there
    assert far.startswith("幸福里第2网格 11月统计") and "受理 0 件" in far
    assert "办结率 —" in far and "当前在办 0 件" in far  # 0 of 0 is no rate, as the dashboard says


def test_one_rate_reads_the_same_in_wechat_on_the_dashboard_and_in_its_export(client, month):
    """50.0%, 100% and — (nothing to count) wherever a rate is shown; never 0% for 0 of 0."""
    reply = month.send("统计")  # 张伟's grid: 1 of 2 done, the one done in time, no rework
    assert "办结率 50.0%，按期办结率 100%" in reply
    login(client, "worker01")
    page = client.get("/console/dashboard").get_data(as_text=True)
    assert 'id="kpi-closure">50.0%<' in page and 'id="kpi-ontime">100%<' in page
    assert 'id="kpi-rework">0%<' in page  # 0 of 1 resolved came back: a true 0%
    table = list(csv.reader(io.StringIO(client.get("/console/export/assessment.csv")
                                        .get_data(as_text=True).lstrip("\ufeff"))))
    head = table[1]
    [grid] = [row for row in table[2:] if row[1] == "幸福里第1网格"]
    cell = dict(zip(head, grid))
    assert (cell["办结率"], cell["按期办结率"], cell["满意率"], cell["返工率"]) == (
        "50.0%", "100%", "100%", "0%")
    page = client.get("/console/dashboard?since=2020-01-01&until=2020-01-31").get_data(
        as_text=True)  # a month without tickets
    assert 'id="kpi-closure">—<' in page and 'id="kpi-satisfaction">—<' in page
    assert "0%" not in page.split('id="kpi-closure"')[1].split("</div>")[0]


def test_a_resident_typing_tongji_is_a_resident(chat, svc):
    reply = chat.send("统计")
    assert "办结率" not in reply and "幸福里社区" not in reply
