"""The web half of the guests' page cache (pfdo.navigator.cache has the version and what
moves it): `guest_cacheable` for a view, `by_version` for the filter forms' option lists."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import g, has_request_context, make_response, request, session
from flask_login import current_user

from pfdo.clock import local_date, now
from pfdo.extensions import cache
from pfdo.navigator.cache import read_version

CACHE_CONTROL = "public, no-cache"


def version() -> int:
    """The catalogue's version, read once per request."""
    if has_request_context() and "catalogue_version" in g:
        return g.catalogue_version
    value = read_version()
    if has_request_context():
        g.catalogue_version = value
    return value


def by_version(name: str, compute: Callable[[], object]):
    """`compute()` kept in the cache for the catalogue's current version."""
    key = f"options:{name}:{version()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value)
    return value


def _for_a_guest() -> bool:
    return (request.method == "GET" and not current_user.is_authenticated and not session
            and not request.args.get("child"))


def guest_cacheable(view: Callable) -> Callable:
    """Serve a guest's GET of `view` from the cache, or 304, by the catalogue's version."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _for_a_guest():
            return view(*args, **kwargs)
        from pfdo.municipality import services as municipality

        today = local_date(now(), municipality.timezone())
        parts = (str(version()), today.isoformat(), request.full_path,
                 "hx" if request.headers.get("HX-Request") else "page")
        key = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
        # weakly: nginx's gzip (and the app's own compression) turn the ETag into W/"…"
        if request.if_none_match.contains_weak(key):
            response = make_response("", 304)
        elif (hit := cache.get(f"page:{key}")) is not None:
            body, mimetype = hit
            response = make_response(body, 200)
            response.mimetype = mimetype
        else:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or session.modified or response.direct_passthrough:
                return response
            cache.set(f"page:{key}", (response.get_data(), response.mimetype))
        response.set_etag(key)
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.vary.add("HX-Request")
        return response

    return wrapper
