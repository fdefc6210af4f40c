"""What a public page weighs over the wire (`make bench`): Debian's Chromium loads the home
page, the navigator and a program page of the demo catalogue from gunicorn, once with an empty
cache (first view) and once more in the same browser (repeat view), and sums the bytes every
response took on the wire (the Chrome DevTools Protocol's encodedDataLength: headers and the
compressed body). Also counts the requests and any that went to another host (there must be
none). Writes the figures into bench/RESULTS.md.

Steps: a temporary SQLite database with the demo (`flask db upgrade`, `flask demo seed`),
gunicorn on a free port of 127.0.0.1, Playwright with /usr/bin/chromium, then everything is
removed, also on failure. Environment: CHROMIUM (default /usr/bin/chromium)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

from benchlib import RESULTS, ROOT

BIN = ROOT / ".venv" / "bin"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BEGIN, END = "<!-- page weight: begin -->", "<!-- page weight: end -->"
#: the issue's targets, kilobytes on the wire
FIRST_VIEW_KB, REPEAT_VIEW_KB = 60, 15


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    for _ in range(100):
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - our own server
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer")


def weigh(page, url: str) -> dict:
    """Load `url` in `page`; the bytes on the wire, the requests, those to another host."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    sizes: dict[str, float] = {}
    urls: dict[str, str] = {}
    session.on("Network.requestWillBeSent",
               lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    session.on("Network.loadingFinished",
               lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(300)
    session.detach()
    host = re.match(r"https?://[^/]+", url).group(0)
    return {"bytes": sum(sizes.values()), "requests": len(urls),
            "foreign": sorted({u for u in urls.values()
                               if not u.startswith((host, "data:"))})}


def measure(base: str) -> dict[str, dict]:
    from playwright.sync_api import sync_playwright

    with urllib.request.urlopen(f"{base}/programs") as answer:  # noqa: S310 - our own server
        program = re.search(r'href="(/programs/\d+)"', answer.read().decode()).group(1)
    pages = {"home page": "/", "navigator": "/programs", "a program page": program}
    figures = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            for name, path in pages.items():
                context = browser.new_context(viewport={"width": 390, "height": 844})
                page = context.new_page()
                first = weigh(page, base + path)
                repeat = weigh(page, base + path)
                figures[name] = {"path": path, "first": first, "repeat": repeat}
                context.close()
        finally:
            browser.close()
    return figures


def write_results(figures: dict[str, dict]) -> None:
    lines = [BEGIN, f"Run {datetime.now().strftime('%d.%m.%Y %H:%M')}: the demo catalogue, "
             "gunicorn serving HTML (compressed by the app) and static files (WhiteNoise), "
             "Debian's Chromium at phone width, bytes on the wire per view.", "",
             "| page | first view, KB | requests | repeat view, KB | requests | "
             "third-party requests |", "|---|---:|---:|---:|---:|---:|"]
    for name, f in figures.items():
        lines.append(f"| {name} (`{f['path']}`) | {f['first']['bytes'] / 1024:.1f} | "
                     f"{f['first']['requests']} | {f['repeat']['bytes'] / 1024:.1f} | "
                     f"{f['repeat']['requests']} | "
                     f"{len(f['first']['foreign']) + len(f['repeat']['foreign'])} |")
    first = max(f["first"]["bytes"] for f in figures.values()) / 1024
    repeat = max(f["repeat"]["bytes"] for f in figures.values()) / 1024
    lines += ["", f"Targets — first view ≤ {FIRST_VIEW_KB} KB: "
              f"{'reached' if first <= FIRST_VIEW_KB else 'NOT reached'} ({first:.1f} KB); "
              f"repeat view ≤ {REPEAT_VIEW_KB} KB: "
              f"{'reached' if repeat <= REPEAT_VIEW_KB else 'NOT reached'} ({repeat:.1f} KB).",
              END]
    text = RESULTS.read_text(encoding="utf-8")
    if BEGIN not in text:
        text += f"\n## Page weight\n\n{BEGIN}\n{END}\n"
    before, _, rest = text.partition(BEGIN)
    _, _, after = rest.partition(END)
    RESULTS.write_text(before + "\n".join(lines) + after, encoding="utf-8")
    print("\n".join(lines))


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="pfdo-weight-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("PFDO_ENV", "REDIS_URL")}
    env.update({"DATABASE_URL": f"sqlite:///{workdir / 'demo.sqlite'}", "FLASK_APP": "app.py",
                "UPLOAD_DIR": str(workdir / "uploads"), "LOG_LEVEL": "WARNING",
                "OUTBOX_DELIVER_INLINE": "0"})
    server = None
    try:
        for command in (["db", "upgrade"], ["demo", "seed"]):
            subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, check=True,
                           capture_output=True)
        server = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                                   "--log-level", "warning", "app:app"], cwd=ROOT, env=env,
                                  start_new_session=True)
        wait_until_up(base, server)
        figures = measure(base)
        write_results(figures)
        foreign = [u for f in figures.values() for view in ("first", "repeat")
                   for u in f[view]["foreign"]]
        if foreign:
            print(f"THIRD-PARTY REQUESTS: {foreign}", file=sys.stderr)
            return 1
        return 0
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=15)
        subprocess.run(["rm", "-rf", str(workdir)], check=False)


if __name__ == "__main__":
    sys.exit(main())
