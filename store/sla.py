"""SLA clocks: 15分钟响应、30分钟回复、24小时办结, shorter for emergencies."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


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

    def clock_for(self, urgency: str) -> Clock:
        return self.emergency if urgency == "emergency" else self.normal

    def due_times(self, urgency: str, start: datetime) -> dict[str, datetime]:
        clock = self.clock_for(urgency)
        return {"accept_by": start + clock.accept,
                "first_reply_by": start + clock.first_reply,
                "resolve_by": start + clock.resolve}
