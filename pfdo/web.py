"""Helpers shared by the views: page-or-fragment rendering, htmx-aware redirects, forms."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block
from werkzeug.wrappers import Response

from pfdo.errors import DomainError


def render_page_or_block(template: str, block: str, status: int = 200, **context) -> Response:
    """The whole page for a browser, only `block` for htmx; Vary keeps caches from mixing them."""
    if request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted"):
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def redirect_to(url: str) -> Response:
    """A redirect after a successful POST; htmx follows it as a full page load."""
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def add_error(form, error: DomainError) -> None:
    """Show a refused operation next to its field, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def form_status(form) -> int:
    """422 when the form has errors (htmx is configured to swap it), 200 otherwise."""
    return 422 if (form.errors or form.form_errors) else 200
