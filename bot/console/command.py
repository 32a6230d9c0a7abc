"""Command (指挥调度): notices to residents and emergency dispatch to workers."""
from flask_login import login_required

from bot.console import bp


@bp.get("/command")
@login_required
def command():
    return "指挥调度"
