"""Reading a registry file: rows, checks, and the report of what an import did or why it
failed (shared by the area, building and staff importers)."""
from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from typing import IO, Iterable, Iterator

from sqlalchemy import update
from sqlalchemy.orm import Session

from store.csvfile import restore

LEVEL_BY_LENGTH = {6: "district", 9: "street", 12: "community", 15: "grid"}
LEVEL_ORDER = ("district", "street", "community", "grid")
GRID_KINDS = {"base": "base", "基础": "base", "基础网格": "base",
              "special": "special", "专属": "special", "专属网格": "special",
              "专项": "special", "专项网格": "special"}
# Which level of area each role belongs to (admin and department may sit anywhere).
ROLE_LEVEL = {"district": "district", "street": "street", "community": "community",
              "grid_leader": "grid", "grid_worker": "grid"}
PHONE = re.compile(r"^\+?[0-9][0-9\-]{5,19}$")
BUILDING_NUMBER = re.compile(r"^[0-9A-Za-z\-]{1,16}$")
MAX_UNITS = 99
SHOWN_ERRORS = 50

AREA_COLUMNS = ("code", "name", "level", "kind", "households", "center_lng", "center_lat")
BUILDING_COLUMNS = ("code", "estate", "number", "units", "address", "households", "lng", "lat")
STAFF_COLUMNS = ("username", "name", "role", "area_code", "phone", "department", "active")



@dataclass(frozen=True)
class RowError:
    line: int | str  # the CSV line (1 is the header), or "feature 3" in GeoJSON
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" if isinstance(self.line, int) else str(self.line)
        return f"{where}: {self.reason}"


class ImportFailed(Exception):
    """A file with bad rows: nothing of it was imported."""

    def __init__(self, source: str, errors: list[RowError]):
        self.source = source
        self.errors = errors
        shown = "\n".join(f"  {error}" for error in errors[:SHOWN_ERRORS])
        more = (f"\n  ... and {len(errors) - SHOWN_ERRORS} more"
                if len(errors) > SHOWN_ERRORS else "")
        super().__init__(f"{source}: {len(errors)} bad row(s), nothing imported\n{shown}{more}")


@dataclass
class ImportReport:
    what: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    details: dict = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def __str__(self) -> str:
        extra = "".join(f", {key} {value}" for key, value in self.details.items())
        return (f"{self.what}: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged{extra}")


# --- reading -------------------------------------------------------------------------------

class Rows:
    """The rows of a CSV file as (line number, {column: stripped text}), header checked."""

    def __init__(self, stream: IO[str], source: str, required: tuple, known: tuple):
        self.source = source
        self.reader = csv.reader(stream)
        self.errors: list[RowError] = []
        try:
            header = next(self.reader)
        except StopIteration:
            raise ImportFailed(source, [RowError(1, "empty file: no header")]) from None
        header = [name.strip().lstrip("\ufeff").lower() for name in header]
        missing = [name for name in required if name not in header]
        unknown = [name for name in header if name and name not in known]
        dupes = sorted({name for name in header if header.count(name) > 1})
        problems = []
        if missing:
            problems.append(f"missing column(s): {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s): {', '.join(unknown)} "
                            f"(known: {', '.join(known)})")
        if dupes:
            problems.append(f"repeated column(s): {', '.join(dupes)}")
        if problems:
            raise ImportFailed(source, [RowError(1, "; ".join(problems))])
        self.header = header

    def __iter__(self) -> Iterator[tuple[int, dict]]:
        width = len(self.header)
        try:
            for cells in self.reader:
                line = self.reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue  # blank lines are allowed
                if len(cells) != width:
                    self.errors.append(RowError(
                        line, f"{len(cells)} cells where the header has {width}"))
                    continue
                yield line, {name: restore(cell.strip())
                             for name, cell in zip(self.header, cells)}
        except csv.Error as error:
            self.errors.append(RowError(self.reader.line_num, f"unreadable CSV: {error}"))

    def fail_if_errors(self, more: list[RowError] = ()) -> None:
        errors = sorted([*self.errors, *more],
                        key=lambda e: e.line if isinstance(e.line, int) else 0)
        if errors:
            raise ImportFailed(self.source, errors)


def parse_int(text: str, what: str, low: int = 0, high: int = 10**7) -> int:
    if not re.fullmatch(r"[0-9]+", text):
        raise ValueError(f"{what} must be a whole number, not {text!r}")
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"{what} must be between {low} and {high}, not {value}")
    return value


YES, NO = ("yes", "true", "1", "是"), ("no", "false", "0", "否")


def parse_flag(row: dict, column: str, default: bool = True) -> bool:
    """yes/no (true/false, 1/0, 是/否); empty is the default."""
    text = row[column].lower()
    if not text:
        return default
    if text not in YES + NO:
        raise ValueError(f"{column} {row[column]!r} is not yes or no")
    return text in YES


def parse_phone(row: dict) -> str | None:
    if row["phone"] and not PHONE.match(row["phone"]):
        raise ValueError(f"phone {row['phone']!r} is not a phone number")
    return row["phone"] or None


def parse_coordinate(text: str, what: str, limit: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} must be a number, not {text!r}") from None
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise ValueError(f"{what} must be between {-limit} and {limit}, not {text}")
    return value


def parse_point(row: dict, lng_key: str, lat_key: str) -> tuple[float | None, float | None]:
    lng, lat = row.get(lng_key, ""), row.get(lat_key, "")
    if bool(lng) != bool(lat):
        raise ValueError(f"give both {lng_key} and {lat_key}, or neither")
    if not lng:
        return None, None
    return parse_coordinate(lng, lng_key, 180), parse_coordinate(lat, lat_key, 90)



def chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def bulk_update(session: Session, model, rows: list[dict]) -> None:
    """Update by primary key; rows that change the same columns go in one executemany."""
    by_columns: dict[tuple, list[dict]] = {}
    for row in rows:
        by_columns.setdefault(tuple(sorted(row)), []).append(row)
    for group in by_columns.values():
        for chunk in chunks(group, 5000):
            session.execute(update(model), chunk)


def format_number(value: float | None) -> str:
    return "" if value is None else repr(value)
