"""X-Forwarded-For and -Proto, believed only from the reverse proxies in TRUSTED_PROXIES.

Without it (the default) the client address is the TCP peer's: anyone could otherwise write
any address into the header and slip past the per-address login limit, or, behind a proxy
nobody configured, every client would share the proxy's address.
"""
from __future__ import annotations

import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix


def parse_networks(setting: str) -> list:
    """"10.0.0.1, 192.168.0.0/16" → networks; a bad entry is a start-up error, not ignored."""
    return [ipaddress.ip_network(item.strip(), strict=False)
            for item in setting.split(",") if item.strip()]


class TrustedProxyFix:
    """werkzeug's ProxyFix (one hop), applied only to requests from a trusted proxy."""

    def __init__(self, app, networks: list):
        self.app, self.fixed, self.networks = app, ProxyFix(app, x_for=1, x_proto=1), networks

    def __call__(self, environ, start_response):
        try:
            peer = ipaddress.ip_address(environ.get("REMOTE_ADDR", ""))
        except ValueError:
            return self.app(environ, start_response)
        if any(peer in network for network in self.networks):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def init_app(app, setting: str) -> None:
    networks = parse_networks(setting)
    if networks:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, networks)
