"""The monthly close's pages: the provider's reports and invoices, the coordinator's invoice
queue and the month's overview (provider_views.py, coordinator_views.py)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("billing", __name__)

from pfdo.billing import coordinator_views, provider_views  # noqa: E402,F401  (routes on bp)
