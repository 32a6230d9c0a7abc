"""SLA clocks: 15分钟响应、30分钟回复、24小时办结, shorter for emergencies. A normal matter
written in the quiet hours (22:00–08:00 China time) is the morning's work: its clocks start at
08:00 (urgent matters and emergencies run at once, day and night)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from store.vocab import CHINA

QUIET_HOURS = (22, 8)  # China time


def quiet_hours(now: datetime) -> bool:
    hour = now.astimezone(CHINA).hour
    return hour >= QUIET_HOURS[0] or hour < QUIET_HOURS[1]


def morning_after(now: datetime) -> datetime:
    """The end of the quiet hours `now` falls in."""
    local = now.astimezone(CHINA)
    day = local.date() + timedelta(days=1 if local.hour >= QUIET_HOURS[0] else 0)
    return datetime.combine(day, time(QUIET_HOURS[1]), tzinfo=CHINA)


def clocked_from_morning(due: datetime, now: datetime) -> bool:
    """Whether a clock seen at night `now` and due at `due` runs from the morning's 08:00 (a
    normal matter written in the quiet hours: SlaPolicy.due_times)."""
    return quiet_hours(now) and due >= morning_after(now)


@dataclass(frozen=True)
class Clock:
    accept: timedelta
    first_reply: timedelta
    resolve: timedelta


@dataclass(frozen=True)
class SlaPolicy:
    normal: Clock = Clock(timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=24))
    emergency: Clock = Clock(timedelta(minutes=5), timedelta(minutes=10), timedelta(hours=2))
    # 办服务: a published service order not taken by enough members within this long goes up
    # to the community (store.service_orders.sweep_unclaimed, through store.ladder).
    service_claim: timedelta = timedelta(hours=2)
    night_waits: bool = True  # a normal matter written at night is clocked from 08:00

    def clock_for(self, urgency: str) -> Clock:
        return self.emergency if urgency == "emergency" else self.normal

    def due_times(self, urgency: str, start: datetime) -> dict[str, datetime]:
        clock = self.clock_for(urgency)
        if urgency == "normal" and self.night_waits and quiet_hours(start):
            start = morning_after(start)
        return {"accept_by": start + clock.accept,
                "first_reply_by": start + clock.first_reply,
                "resolve_by": start + clock.resolve}
