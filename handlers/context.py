"""What a handler is given: everything it may use, nothing it must fetch for itself."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Callable

from sqlalchemy.orm import Session

from store import registry
from store.models import Resident, Staff
from store.sla import SlaPolicy

# Within this long of a report, the resident's next words, pictures or location join it.
FOLLOW_UP_WINDOW = timedelta(hours=2)
# A location (or a picture, or words held for a person) this recent belongs to the report
# that follows it.
POINT_FRESH_FOR = timedelta(hours=2)


@dataclass
class Reply:
    """A handler's answer: the passive reply text (None: nothing to say) and its ticket."""

    text: str | None
    ticket_id: int | None = None


@dataclass
class Context:
    session: Session
    openid: str
    now: datetime
    classify: Callable
    policy: SlaPolicy = field(default_factory=SlaPolicy)
    nearest_within_m: float = 3000  # a point outside every grid: the nearest centre within
    # enqueue(func, *args): run a job once this message's transaction has committed.
    enqueue: Callable = lambda func, *args: None
    # page(endpoint, **values): the link of a phone page (/m/) for the sender, e.g.
    # page("mobile.worker_ticket", number=...); None where there are no phone pages.
    page: Callable[..., str | None] = lambda endpoint, **values: None

    _derived: dict = field(default_factory=dict, repr=False)
    # read with the resident's row when they wrote (registry.resident_wrote); None: unknown
    standing: registry.Standing | None = field(default=None, repr=False)

    def once(self, key, compute: Callable):
        """compute(), once per message however many handlers ask for `key` (a handler's
        matches and its handle read the same answer)."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    def understand(self, text: str):
        """classify(text), once per message however many handlers ask."""
        return self.once(("classify", text), lambda: self.classify(text))

    def ask(self, awaiting: str, **values) -> None:
        """The resident was just asked something (`awaiting`): remember it, and when."""
        self.resident.state = {"awaiting": awaiting, **values, "at": self.now.timestamp()}

    def asked(self, awaiting: str, within: timedelta) -> dict | None:
        """The resident's state when the question `awaiting` was asked within `within`."""
        state = self.resident.state
        if state.get("awaiting") != awaiting:
            return None
        if self.now.timestamp() - state.get("at", 0) > within.total_seconds():
            return None
        return state

    @cached_property
    def resident(self) -> Resident:
        return registry.resident_for(self.session, self.openid, self.now)

    def resident_wrote(self) -> None:
        """The resident wrote or clicked: WeChat's 48-hour reply window opens now. What
        they have going on is read in the same statement (see standing)."""
        self.__dict__["resident"], self.standing = registry.resident_wrote(
            self.session, self.openid, self.now, ticket_since=self.now - FOLLOW_UP_WINDOW,
            held_since=self.now - POINT_FRESH_FOR)

    @cached_property
    def staff(self) -> Staff | None:
        if self.standing is not None:
            staff_id = self.standing.staff_id
            return self.session.get(Staff, staff_id) if staff_id is not None else None
        return registry.staff_by_openid(self.session, self.openid)
