"""Public pages (home, rules, contacts, privacy) and the health endpoints."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text

from pfdo.accounts.access import public
from pfdo.accounts.services import CONSENT_VERSION
from pfdo.db import db
from pfdo.municipality import services as municipality
from pfdo.navigator import services as navigator
from pfdo.navigator.cache_views import guest_cacheable
from pfdo.periods import services as periods
from pfdo.site import health

bp = Blueprint("site", __name__)


#: a Bootstrap icon for each direction's tile on the home page
DIRECTION_ICONS = {"technical": "cpu", "science": "flower1", "sports": "trophy",
                   "arts": "palette", "tourism": "compass", "social": "people"}


@bp.route("/")
@public
@guest_cacheable
def home():
    """The navigator's front door: search box, directions with their program counts."""
    return render_template("site/home.html", directions=navigator.direction_counts(),
                           direction_icons=DIRECTION_ICONS)


@bp.route("/rules")
@public
def rules():
    """The rules for families, with the current period's figures (rules are data, §14)."""
    return render_template("site/rules.html", period=periods.current_period(
        municipality.local_today()))


@bp.route("/contacts")
@public
def contacts():
    return render_template("site/contacts.html")


@bp.route("/privacy")
@public
def privacy():
    return render_template("site/privacy.html", consent_version=CONSENT_VERSION)


@bp.route("/consent")
@public
def consent():
    return render_template("site/consent.html", consent_version=CONSENT_VERSION)


@bp.route("/healthz")
@public
def healthz():
    """Liveness: the process answers. Touches nothing else."""
    return _health({"status": "pass"}, 200)


@bp.route("/readyz")
@public
def readyz():
    """Readiness: the database answers and its schema is at the migrations' head."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "pass"
        current, head = health.migration_revisions(db.session.connection(),
                                                   current_app.extensions["migrate"].directory)
        checks["migrations"] = "pass" if current == head else "fail"
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        current_app.logger.exception("readiness check failed")
        db.session.rollback()
        checks.setdefault("database", "fail")
        checks.setdefault("migrations", "fail")
    ok = all(value == "pass" for value in checks.values())
    return _health({"status": "pass" if ok else "fail", "checks": checks}, 200 if ok else 503)


def _health(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/health+json"
    response.headers["Cache-Control"] = "no-store"
    return response
from pfdo.site import notice_views  # noqa: E402,F401  (routes on bp)
