"""Analysis and assessment (研判分析、考核评价)."""
from flask_login import login_required

from bot.console import bp


@bp.get("/dashboard")
@login_required
def dashboard():
    return "统计研判"
