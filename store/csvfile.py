"""CSV written for people to open in Excel or WPS: no cell is ever run as a formula.

OWASP's CSV-injection rule: a text cell that begins with = + - @, a tab or a carriage return
is prefixed with a single quote, so the spreadsheet shows it as text. Plain numbers (-3.5)
are left alone: they are no formula. Imports (store.import_rows) drop that quote again, so an
exported registry file reads back unchanged.
"""
from __future__ import annotations

import csv
import re
from typing import IO, Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def neutralise(cell):
    if isinstance(cell, str) and cell.startswith(FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    """The text an exported cell held (an import reads back what export wrote)."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_START):
        return cell[1:]
    return cell


class SafeWriter:
    """csv.writer with every cell neutralised."""

    def __init__(self, stream: IO[str], **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([neutralise(cell) for cell in row])


def writer(stream: IO[str], **options) -> SafeWriter:
    return SafeWriter(stream, **options)
