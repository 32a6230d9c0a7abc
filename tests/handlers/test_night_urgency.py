"""What is urgent at night: no heat (water, power) with an elder, an infant or a sick person
at home runs its clocks at once; a state told as history ("去年…停水了") waits for the morning
like any normal matter, while the same state going on still runs at once."""
import dataclasses
from datetime import timedelta

import pytest

from store.models import Ticket

from tests.support import rows

NIGHT = 14  # hours after the tests' 09:00 start: 23:00 China time


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, sla_night_waits=1)  # as shipped


def opened(chat, svc, words) -> Ticket:
    chat.send(words)
    return rows(svc, Ticket)[-1]


def test_no_heat_with_an_elder_at_home_runs_at_once_at_night(chat, svc, clock):
    clock.at(hours=NIGHT)
    ticket = opened(chat, svc, "暖气突然不热了 家里有老人")
    assert ticket.urgency == "urgent"
    assert ticket.accept_by - ticket.created_at <= timedelta(minutes=15)


def test_no_heat_alone_waits_for_the_morning(chat, svc, clock):
    clock.at(hours=NIGHT)
    ticket = opened(chat, svc, "暖气突然不热了")
    assert ticket.urgency == "normal"
    assert ticket.accept_by - ticket.created_at > timedelta(hours=8)  # clocked from 08:00


def test_a_state_told_as_history_is_no_hurry_but_the_same_state_now_is(chat, svc, clock):
    clock.at(hours=NIGHT)
    past = opened(chat, svc, "去年冬天3栋停水了好几次 希望今年提前检修管道")
    assert past.urgency == "normal"
    chat.send("新问题")
    now = opened(chat, svc, "小区门口井盖丢了 晚上看不见")
    assert now.urgency == "urgent"
    assert now.accept_by - now.created_at <= timedelta(minutes=15)


def test_alone_with_a_stranger_at_the_door_at_night_is_told_not_to_open_and_runs_at_once(
        chat, svc, clock):
    clock.at(hours=NIGHT)
    reply = chat.send("我一个人在家 有人一直敲门 说是查水表的")
    [ticket] = rows(svc, Ticket)
    assert reply.startswith("请不要开门") and "拨打 110" in reply.split("\n")[0]
    assert ticket.urgency == "urgent" and ticket.category == "治安"
    assert ticket.accept_by - ticket.created_at <= timedelta(minutes=15)
