"""The Open311 GeoReport v2 edge (/open311/v2/): the API (api), its parameters (params), its
OpenAPI document (spec) and what the public may read of a ticket (masking)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from bot.open311 import api
    api.init_app(app)
