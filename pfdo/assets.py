"""Static files with hashed names, precompressed, cached for good.

`build()` (run by `make setup`, `flask assets build`) copies every file under static/ (but
static/dist/ itself) to static/dist/ under a name carrying the first 12 hex digits of its
SHA-256 — `css/app.css` → `dist/css/app.3f2a9c0d1e4b.css` —, rewrites the relative `url(…)`s
of the stylesheets to the hashed names (the icon font of Bootstrap Icons), writes
`dist/manifest.json` (original → hashed) and writes `.gz` and `.br` copies of what compresses
(WhiteNoise's compressor, Brotli). WhiteNoise then serves static/ ahead of Flask, answers with
the precompressed copy the browser accepts, and marks the hashed files
`Cache-Control: public, max-age=315360000, immutable`: a file's content never changes under
its name, so a repeat view asks for none of them. `static_url()` (a Jinja global) gives a
template the hashed URL, and the plain /static/ one while nothing is built (a fresh checkout
before `make setup`)."""

from __future__ import annotations

import gzip
import hashlib
import json
import posixpath
import re
import shutil
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for

DIST = "dist"
MANIFEST = "manifest.json"
#: a year and more: the hashed files never change
FOREVER = 315_360_000
#: the files worth compressing (fonts and images other than SVG are compressed already)
COMPRESSIBLE = {".css", ".js", ".svg", ".json", ".map", ".txt", ".html"}
_URL = re.compile(r"url\((['\"]?)(?!data:|https?:|/)([^'\")?#]+)([?#][^'\")]*)?\1\)")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def _hashed(relative: str, data: bytes) -> str:
    path = Path(relative)
    return str(path.with_name(f"{path.stem}.{_digest(data)}{path.suffix}"))


def _rewrite_urls(css: str, relative: str, manifest: dict[str, str]) -> str:
    """Point a stylesheet's relative url()s at the hashed names (a cache-busting query is
    dropped: the name is the version now; a #fragment stays)."""
    folder = posixpath.dirname(relative)

    def swap(match: re.Match) -> str:
        hashed = manifest.get(posixpath.normpath(posixpath.join(folder, match.group(2))))
        if hashed is None:
            return match.group(0)
        fragment = match.group(3) if (match.group(3) or "").startswith("#") else ""
        quote = match.group(1)
        return f"url({quote}{posixpath.relpath(hashed, folder or '.')}{fragment}{quote})"

    return _URL.sub(swap, css)


def _wanted(path: Path, static: Path) -> bool:
    """What a page may link: not dist/ itself, hidden files, source maps, or a vendor's
    unminified or right-to-left twin of a minified file."""
    parts = path.relative_to(static).parts
    if parts[0] == DIST or path.name.startswith(".") or path.suffix in {".map", ".scss"}:
        return False
    if parts[0] == "vendor" and path.suffix in {".css", ".js"}:
        if ".rtl." in path.name:
            return False
        return ".min." in path.name or not path.with_name(
            f"{path.stem}.min{path.suffix}").exists()
    return True


def build(static: Path) -> dict[str, str]:
    """Write static/dist/ afresh; return the manifest."""
    out = static / DIST
    shutil.rmtree(out, ignore_errors=True)
    sources = sorted(p for p in static.rglob("*") if p.is_file() and _wanted(p, static))
    manifest: dict[str, str] = {}
    # stylesheets last, so that the files they point at already have their names
    for source in sorted(sources, key=lambda p: p.suffix == ".css"):
        relative = source.relative_to(static).as_posix()
        data = source.read_bytes()
        if source.suffix == ".css":
            data = _rewrite_urls(data.decode("utf-8"), relative, manifest).encode("utf-8")
        hashed = _hashed(relative, data)
        target = out / hashed
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        manifest[relative] = hashed
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True),
                                encoding="utf-8")
    _compress(out)
    return manifest


def _compress(folder: Path) -> None:
    from whitenoise.compress import Compressor

    compressor = Compressor(extensions=(), quiet=True)
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in COMPRESSIBLE and path.name != MANIFEST:
            for _ in compressor.compress(str(path)):
                pass


def load_manifest(static: Path) -> dict[str, str]:
    try:
        return json.loads((static / DIST / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def static_url(filename: str) -> str:
    """The URL a template links a static file by: its hashed copy when built."""
    hashed = current_app.extensions.get("pfdo.assets", {}).get(filename)
    if hashed is None:
        return url_for("static", filename=filename)
    return url_for("static", filename=f"{DIST}/{hashed}")


def _immutable(path: str, url: str) -> bool:
    return f"/{DIST}/" in url


#: below this an HTML page is sent as it is (compressing costs more than it saves)
COMPRESS_FROM = 1024


def compress_html(response: Response) -> Response:
    """An HTML page compressed when the app serves it directly (Brotli, else gzip, as the
    browser accepts; behind nginx, which compresses itself, it passes through as encoded).
    Its ETag becomes weak, as nginx makes it: the same page, another representation."""
    if (response.status_code != 200 or response.direct_passthrough
            or response.mimetype != "text/html" or "Content-Encoding" in response.headers):
        return response
    accepted = request.accept_encodings
    coding = "br" if accepted["br"] else "gzip" if accepted["gzip"] else None
    response.vary.add("Accept-Encoding")
    body = response.get_data()
    if coding is None or len(body) < COMPRESS_FROM:
        return response
    import brotli

    response.set_data(brotli.compress(body, quality=4) if coding == "br"
                      else gzip.compress(body, compresslevel=6))
    response.headers["Content-Encoding"] = coding
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response


def init_app(app: Flask) -> None:
    """Serve static/ by WhiteNoise (precompressed copies, far-future caching of the hashed
    names), compress HTML pages, and give templates `static_url`."""
    from whitenoise import WhiteNoise

    static = Path(app.static_folder)
    app.extensions["pfdo.assets"] = load_manifest(static)
    app.wsgi_app = WhiteNoise(app.wsgi_app, root=str(static), prefix=app.static_url_path,
                              max_age=60, immutable_file_test=_immutable)
    app.jinja_env.globals["static_url"] = static_url
    if app.config.get("COMPRESS_HTML", True):
        app.after_request(compress_html)


def main() -> None:  # `make assets`
    built = build(Path(__file__).resolve().parent.parent / "static")
    print(f"static/dist: {len(built)} files under hashed names, compressed copies beside them")
