"""Security headers on every response; requests for an unknown Host are refused first."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user
from werkzeug.exceptions import SecurityError

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def refuse_untrusted_host() -> Response | None:
    """before_request, ahead of every other hook: a Host header outside TRUSTED_HOSTS (Flask
    found it while routing) is answered 400 at once. Plain text: the site's pages build links,
    which need the routing that was refused."""
    if isinstance(request.routing_exception, SecurityError):
        return Response("Неизвестный адрес сайта. Откройте сайт по его обычному адресу.\n",
                        400, mimetype="text/plain")
    return None


def init_app(app: Flask) -> None:
    production = app.config["PFDO_ENV"] == "production"
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if production:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint != "static" and current_user and current_user.is_authenticated:
            # Pages of a signed-in user may carry personal data: never cache them.
            headers["Cache-Control"] = "no-store"
        return response
