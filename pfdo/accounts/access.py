"""The single access-control mechanism: every view declares who may open it.

`@public` or `@roles_required(...)` marks the view; one `before_request` hook enforces the
mark for every request, and the factory refuses to start if any view has no mark, so a new
route cannot be forgotten. Ownership (this child is mine) is checked by the services'
`get_own_..._or_404` loaders, which answer 404."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from pfdo.accounts.models import Role
from pfdo.audit.services import record
from pfdo.db import unit_of_work

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def public(view: Callable) -> Callable:
    """Anyone, including guests, may open this view."""
    view.access = PUBLIC
    return view


def login_required(view: Callable) -> Callable:
    """Any signed-in user may open this view."""
    view.access = AUTHENTICATED
    return view


def roles_required(*roles: Role) -> Callable[[Callable], Callable]:
    """Only signed-in users with one of `roles` may open this view."""
    allowed = frozenset(str(r) for r in roles)

    def mark(view: Callable) -> Callable:
        view.access = allowed
        return view

    return mark


def access_of(view: Callable) -> str | frozenset | None:
    return getattr(view, "access", None)


def check_all_views_declared(app: Flask) -> None:
    """Refuse to start when a view has no access declaration."""
    missing = [
        endpoint for endpoint, view in app.view_functions.items()
        if endpoint != "static" and access_of(view) is None
    ]
    if missing:
        raise RuntimeError(f"views without an access declaration: {', '.join(sorted(missing))}")


def is_safe_next(target: str | None) -> bool:
    """Only a relative path on this site may be a redirect target after login: no scheme, no
    host, no backslash, and nothing but visible characters (CR/LF would split the header)."""
    if not target or any(char.isspace() or not char.isprintable() for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target


def redirect_to_login():
    """To the login page, coming back here afterwards (a full-page redirect for htmx too)."""
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    login_url = url_for("accounts.login", next=target if is_safe_next(target) else None)
    if request.htmx:
        response = current_app.make_response(("", 204))
        response.headers["HX-Redirect"] = login_url
        return response
    return redirect(login_url)


def enforce() -> None:
    """The before_request hook."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    access = access_of(view)
    if access == PUBLIC:
        return None
    if not current_user.is_authenticated:
        flash("Войдите, чтобы продолжить", "info")
        return redirect_to_login()
    if access == AUTHENTICATED or current_user.role in access:
        return None
    with unit_of_work():
        record(current_user, "authz.denied", None, {"endpoint": request.endpoint,
                                                    "method": request.method,
                                                    "path": request.path[:200]})
    abort(403)
