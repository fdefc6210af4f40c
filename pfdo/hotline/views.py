"""The hotline's page: what an operator can tell a caller today. The look-up of a family's
certificate and the call log are not built yet (they come with the hotline workspace), so the
page offers only what works: the public check of a number, the rules of the current period,
what families see and do themselves in the cabinet, and where to send a caller."""

from __future__ import annotations

from flask import Blueprint, render_template

from pfdo.accounts.access import roles_required
from pfdo.accounts.models import Role
from pfdo.municipality.services import local_today
from pfdo.periods import services as periods

bp = Blueprint("hotline", __name__, url_prefix="/hotline")


@bp.route("")
@roles_required(Role.HOTLINE)
def index():
    return render_template("hotline/index.html",
                           period=periods.current_period(local_today()))
