"""Registry and staff: the area tree, staff accounts, canned replies."""
from flask_login import login_required

from bot.console import bp


@bp.get("/areas")
@login_required
def areas():
    return "网格与人员"
