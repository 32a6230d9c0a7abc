"""GET /healthz: is the database there, is Redis there."""
from __future__ import annotations

from flask import Blueprint, Flask, jsonify

from bot.services import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    svc = services()
    state = {}
    for name, ping in (("database", svc.db.ping), ("redis", svc.redis.ping)):
        try:
            ping()
            state[name] = "ok"
        except Exception as error:
            state[name] = f"unavailable: {type(error).__name__}"
    state["status"] = "ok" if all(v == "ok" for v in state.values()) else "degraded"
    state["transport"] = svc.transport.name
    # Without Redis, messages are still accepted (the outbox delivers later); without the
    # database nothing can be, so only that makes this instance unfit for traffic.
    return jsonify(state), 200 if state["database"] == "ok" else 503


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
