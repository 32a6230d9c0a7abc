"""The edges of GridDesk: the Flask app factory, the webhook, the console, jobs and the CLI."""
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

    from bot import (console, headers, health, metrics, proxies, registry_views, services,
                     webhook)
    proxies.init_app(app, settings.trusted_proxies)
    headers.init_app(app)
    svc = services.init_app(app, settings)
    webhook.init_app(app)
    health.init_app(app)
    metrics.init_app(app, svc)  # /metrics for Prometheus
    console.init_app(app)
    registry_views.init_app(app)  # grids and their QR posters in the console; Open311 API

    import nlp
    logging.getLogger("jieba").setLevel(logging.WARNING)  # its start-up chatter, per process
    nlp.load()  # jieba's dictionary loads now, not on the first resident's message
    return app
