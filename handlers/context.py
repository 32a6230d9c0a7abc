"""What a handler is given: everything it may use, nothing it must fetch for itself."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Callable

from sqlalchemy.orm import Session

from store import registry
from store.models import Resident, Staff
from store.sla import SlaPolicy


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

    _understood: dict = field(default_factory=dict, repr=False)

    def understand(self, text: str):
        """classify(text), once per message however many handlers ask."""
        if text not in self._understood:
            self._understood[text] = self.classify(text)
        return self._understood[text]

    @cached_property
    def resident(self) -> Resident:
        return registry.resident_for(self.session, self.openid, self.now)

    def resident_wrote(self) -> None:
        """The resident wrote or clicked: WeChat's 48-hour reply window opens now."""
        self.__dict__["resident"] = registry.resident_for(self.session, self.openid,
                                                          self.now, wrote=True)

    @cached_property
    def staff(self) -> Staff | None:
        return registry.staff_by_openid(self.session, self.openid)
