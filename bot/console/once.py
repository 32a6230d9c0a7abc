"""A secret shown once (a new API key, a new or reset password): rendered in the response of
the request that made it, never put in a flash message, which lives in the session cookie
(signed, not encrypted: anyone holding the cookie reads it), and never cached."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShownOnce:
    """What the page's card says: console/_shown_once.html renders it as `once`."""

    title: str
    secret: str
    hint: str


def shown_once(html: str, status: int = 200):
    """The response of a page that carries a secret: no browser or proxy keeps a copy."""
    return html, status, {"Cache-Control": "no-store"}
