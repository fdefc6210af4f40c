"""Provider pages: the application, the provider's cabinet, the coordinator's review, the
public registry."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("providers", __name__)
