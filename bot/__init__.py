"""The edges of GridDesk, one sub-package each: wechat/ (callback, protocol, inbox, jobs,
transport), console/, open311/ and cli/; here the app factory and what every edge shares
(config, services, health, metrics, logs, headers, proxies, processes, cron)."""
from __future__ import annotations

import logging

from flask import Flask

from bot.config import Settings, instance_dir
from bot.logs import init_logging


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(instance_dir()))
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=1024 * 1024,
                      **settings.extra)
    init_logging(settings.log_format)

    from bot import console, headers, health, metrics, open311, proxies, services, wechat
    # shared by every edge
    proxies.init_app(app, settings.trusted_proxies)
    headers.init_app(app)
    svc = services.init_app(app, settings)
    # the edges, one package each (the command line, bot/cli/, wraps the app instead)
    wechat.init_app(app)  # /wechat: the official account's callback URL
    health.init_app(app)  # /healthz
    metrics.init_app(app, svc)  # /metrics for Prometheus
    console.init_app(app)  # /console/: the agents' web console, its grids and QR posters
    open311.init_app(app)  # /open311/v2/: GeoReport v2

    import nlp
    logging.getLogger("jieba").setLevel(logging.WARNING)  # its start-up chatter, per process
    nlp.load()  # jieba's dictionary loads now, not on the first resident's message
    return app
