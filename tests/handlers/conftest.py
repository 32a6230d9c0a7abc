"""A clock the conversation tests move by hand."""
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

START = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # 09:00 in China


@pytest.fixture
def clock():
    """A frozen clock the test moves by hand: clock.at(minutes=16)."""
    with time_machine.travel(START, tick=False) as traveller:
        class Clock:
            def at(self, **delta):
                traveller.move_to(START + timedelta(**delta))
        yield Clock()
