"""Links to the site's own pages, built from the configured PUBLIC_BASE_URL.

E-mails, QR codes, in-app notices and CLI output name the site by its configured address,
never by the Host header a visitor sent (a forged Host would otherwise put the attacker's
site into a password-reset link). Both functions work in a bare app context: services, CLI
jobs and tests need no request, real or fake."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def _adapter() -> MapAdapter:
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    return current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                    url_scheme=base.scheme)


def _build(endpoint: str, values: dict, *, external: bool) -> str:
    current_app.inject_url_defaults(endpoint, values)
    return _adapter().build(endpoint, values, force_external=external)


def path(endpoint: str, **values) -> str:
    """The page's path on this site, «/certificates/12»: for links shown inside the site."""
    return _build(endpoint, values, external=False)


def absolute_url(endpoint: str, **values) -> str:
    """The page's full address, «https://pfdo.example.ru/password/reset/…»: for e-mails and
    QR codes, read outside the site."""
    return _build(endpoint, values, external=True)


#: a map service's search page; a plain link out, so our pages load nothing from it
MAP_SEARCH = "https://yandex.ru/maps/?text="


def map_url(address: str, region: str = "") -> str:
    """A link to the address on a map, the region first so that «с. Ленинское, ул. Школьная,
    1» is found in the right place."""
    text = ", ".join(part for part in (region, address) if part)
    return MAP_SEARCH + quote(text, safe="")
