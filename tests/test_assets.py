"""Static files under hashed names, precompressed and cached for good (pfdo.assets): the build
names every file by its content and points the stylesheets' url()s at the new names; WhiteNoise
serves the Brotli or gzip copy the browser accepts, marks the hashed files immutable and the
others for a minute; the pages link the hashed names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask, render_template_string

from pfdo import assets

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def static(tmp_path) -> Path:
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    (folder / "vendor" / "icons" / "fonts").mkdir(parents=True)
    (folder / "css" / "app.css").write_text("body { color: #123; }\n" * 200)
    (folder / "vendor" / "icons" / "fonts" / "icons.woff2").write_bytes(b"wOF2" + bytes(300))
    (folder / "vendor" / "icons" / "icons.min.css").write_text(
        '@font-face { src: url("./fonts/icons.woff2?1fa40e8900654d") format("woff2"); }\n'
        ".a { background: url(data:image/png;base64,AAAA) }\n" * 50)
    (folder / "vendor" / "icons" / "icons.css").write_text("/* the unminified twin */")
    (folder / "vendor" / "icons" / "icons.min.css.map").write_text("{}")
    return folder


def test_the_build_names_files_by_content_and_rewrites_the_stylesheets(static):
    manifest = assets.build(static)
    assert set(manifest) == {"css/app.css", "vendor/icons/icons.min.css",
                             "vendor/icons/fonts/icons.woff2"}  # no twin, no source map
    font = manifest["vendor/icons/fonts/icons.woff2"]
    assert font.startswith("vendor/icons/fonts/icons.") and font.endswith(".woff2")
    css = (static / "dist" / manifest["vendor/icons/icons.min.css"]).read_text()
    assert f'url("{font.removeprefix("vendor/icons/")}")' in css  # the query is dropped
    assert "url(data:image/png;base64,AAAA)" in css  # data: URLs are left alone
    for name in ("css/app.css", "vendor/icons/icons.min.css"):
        hashed = static / "dist" / manifest[name]
        assert hashed.with_name(hashed.name + ".br").exists()
        assert hashed.with_name(hashed.name + ".gz").exists()
    assert not (static / "dist" / f"{font}.gz").exists()  # a font is compressed already
    assert json.loads((static / "dist" / "manifest.json").read_text()) == manifest
    # the same content, the same names; a changed file, a new name
    assert assets.build(static) == manifest
    (static / "css" / "app.css").write_text("body { color: #456; }")
    assert assets.build(static)["css/app.css"] != manifest["css/app.css"]


def test_whitenoise_serves_the_compressed_copy_and_caches_hashed_names_for_good(static):
    manifest = assets.build(static)
    app = Flask(__name__, static_folder=str(static))
    app.add_url_rule("/", "home", lambda: render_template_string(
        "<link rel=stylesheet href=\"{{ static_url('css/app.css') }}\">"))
    assets.init_app(app)
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    url = f"/static/dist/{manifest['css/app.css']}"
    assert url in page
    brotli = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert brotli.status_code == 200 and brotli.headers["Content-Encoding"] == "br"
    assert brotli.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert "Accept-Encoding" in brotli.headers["Vary"]
    assert len(brotli.data) < (static / "css" / "app.css").stat().st_size / 5
    gzip = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gzip.headers["Content-Encoding"] == "gzip"
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "max-age=60, public"


def test_the_pages_link_the_hashed_names(app, client):
    manifest = {"css/app.css": "css/app.0123456789ab.css",
                "vendor/htmx/htmx.min.js": "vendor/htmx/htmx.min.ba9876543210.js"}
    app.extensions["pfdo.assets"] = manifest
    html = client.get("/rules").get_data(as_text=True)
    assert 'href="/static/dist/css/app.0123456789ab.css"' in html
    assert 'src="/static/dist/vendor/htmx/htmx.min.ba9876543210.js"' in html
    # what the manifest does not know is linked as it is (a checkout before `make setup`)
    assert 'href="/static/vendor/bootstrap/css/bootstrap.min.css"' in html


def test_every_static_file_a_template_links_is_built():
    linked = set()
    for template in (ROOT / "templates").rglob("*.html"):
        linked.update(re.findall(r"static_url\('([^']+)'\)",
                                 template.read_text(encoding="utf-8")))
    static = ROOT / "static"
    assert linked and all((static / name).exists() or not (static / "vendor").exists()
                          for name in linked), linked
    wanted = {p.relative_to(static).as_posix() for p in static.rglob("*")
              if p.is_file() and assets._wanted(p, static)}
    assert linked <= wanted or not (static / "vendor").exists(), linked - wanted


def test_an_html_page_is_compressed_as_the_browser_accepts_and_revalidates(app, client,
                                                                         frozen_clock):
    from tests import factories
    factories.municipality(app)
    plain = client.get("/programs")
    assert "Content-Encoding" not in plain.headers  # asked for nothing: sent as it is
    body = plain.get_data()
    assert len(body) > assets.COMPRESS_FROM
    brotli_page = client.get("/programs", headers={"Accept-Encoding": "gzip, br"})
    assert brotli_page.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in brotli_page.headers["Vary"]
    import brotli
    assert brotli.decompress(brotli_page.get_data()) == body
    assert len(brotli_page.get_data()) < len(body) / 2
    gzip_page = client.get("/programs", headers={"Accept-Encoding": "gzip"})
    import gzip
    assert gzip.decompress(gzip_page.get_data()) == body
    # the guest's ETag is weak once compressed, and a revalidation still gets its 304
    etag = brotli_page.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get("/programs", headers={"Accept-Encoding": "br", "If-None-Match": etag})
    assert again.status_code == 304
