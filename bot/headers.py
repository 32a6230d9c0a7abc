"""Security headers on every response: a content security policy that allows the vendored
scripts and the pages' own inline scripts (by a per-response nonce) and nothing else, no
framing, no MIME sniffing, no full URLs in the Referer."""
from __future__ import annotations

import secrets

from flask import Flask, Response, g

POLICY = ("default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
          "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
          "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def csp_nonce() -> str:
    """The nonce of this response's inline <script nonce="..."> tags."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def inert_picture(data: bytes, content_type: str) -> Response:
    """A stored photo served as an inert picture: no script, no sniffing, kept out of shared
    caches (the console's and both phone pages' photo routes)."""
    return Response(data, mimetype=content_type, headers={
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=86400"})


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", POLICY.format(nonce=csp_nonce()))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        return response
