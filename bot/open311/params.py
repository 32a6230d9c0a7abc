"""Open311 request parameters: read, checked and turned into values, or an ApiError (the
spec's error list: [{"code": 400, "description": "..."}])."""
from __future__ import annotations

import math
from datetime import datetime, timezone

from flask import request

from store.vocab import CHINA

PAGE_SIZE, MAX_PAGE_SIZE = 50, 200  # results per page: a response stays a few hundred KB
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1,
                                                                      tzinfo=timezone.utc)
MAX_DESCRIPTION = 4000


class ApiError(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


def values_of():
    """Query parameters, and for a POST the form or JSON body on top."""
    values = dict(request.args.items())
    if request.method == "POST":
        body = request.get_json(silent=True) if request.is_json else None
        if isinstance(body, dict):
            values.update({k: "" if v is None else str(v) for k, v in body.items()})
        else:
            values.update(request.form.items())
    return values


def date(values: dict, name: str) -> datetime | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    # An unencoded "+08:00" in a query string arrives as " 08:00"; RFC 3339 allows t and z.
    normal = text.upper().replace("Z", "+00:00")
    if normal.count(" ") == 1 and len(normal) > 10:
        normal = normal.replace(" ", "+")
    try:
        moment = datetime.fromisoformat(normal)
    except ValueError:
        raise ApiError(400, f"{name} {text!r} is not a W3C date-time such as "
                            "2026-11-23T08:00:00+08:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    try:
        moment = moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        moment = None
    if moment is None or not EARLIEST <= moment <= LATEST:
        raise ApiError(400, f"{name} {text!r} is out of range (1970 to 2100)")
    return moment


def listed(values: dict, name: str) -> list[str]:
    return [item.strip() for item in values.get(name, "").split(",") if item.strip()]


def page(values: dict):
    """(limit, offset) from page (from 1) and page_size (at most MAX_PAGE_SIZE)."""
    numbers = {}
    for name, default, most in (("page", 1, 100_000), ("page_size", PAGE_SIZE, MAX_PAGE_SIZE)):
        text = values.get(name, "").strip() or str(default)
        if not text.isdigit() or not 1 <= int(text) <= most:
            raise ApiError(400, f"{name} {text[:20]!r} is not a number from 1 to {most}")
        numbers[name] = int(text)
    return numbers["page_size"], (numbers["page"] - 1) * numbers["page_size"]


def coordinate(values: dict, name: str, limit: float) -> float | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ApiError(400, f"{name} {text!r} is not a number") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise ApiError(400, f"{name} {text!r} is out of range") from None
    return value
