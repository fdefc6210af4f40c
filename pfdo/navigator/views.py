"""The public navigator: the catalogue with filters, program pages, provider pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("navigator", __name__)
