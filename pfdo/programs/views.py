"""Program pages: the provider's programs and groups, the coordinator's moderation queue."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("programs", __name__)
