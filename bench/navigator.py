"""The navigator benchmark (`make bench`): a fresh PostgreSQL database with a regional-size
catalogue, the app under gunicorn, and wrk against a hello-world route and the navigator's
searches. Writes the figures into bench/RESULTS.md.

Steps: drop and create the database `pfdo_bench`, `flask db upgrade`, bench/generate.py,
gunicorn (2 workers) on a free port of 127.0.0.1, check that every search URL answers 200 with
the navigator's results («Найдено …»), wrk -t2 -c16 -d10s on /healthz and on the searches
(a Lua script cycles through the URLs), then stop gunicorn and drop the database, also on
failure.

Environment: BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres, the
server to create the database on), BENCH_DURATION (default 10s), BENCH_ALLOW_PLACEHOLDER=1 to
measure even when /programs does not show search results yet (the figures are then marked)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlencode

from benchlib import RESULTS, ROOT, admin_sql, db_url

BIN = ROOT / ".venv" / "bin"
DATABASE = "pfdo_bench"
DURATION = os.environ.get("BENCH_DURATION", "10s")
ALLOW_PLACEHOLDER = os.environ.get("BENCH_ALLOW_PLACEHOLDER") == "1"
RESULT_MARK = "Найдено"
BEGIN, END = "<!-- figures: begin -->", "<!-- figures: end -->"

#: realistic navigator searches: words, several filters, sorting, a second page
SEARCHES = [
    {"q": "робот", "age": "9"},
    {"direction": "arts", "district": "с. Ленинское", "weekday": "2", "max_price": "3000"},
    {"q": "рисование", "free_seats": "y", "sort": "price"},
    {"q": "шахматы"},
    {"direction": "sports", "age": "12", "funding": "municipal"},
    {"q": "английский язык", "age": "8", "sort": "price"},
    {"direction": "technical", "page": "2"},
    {"q": "плавание", "district": "г. Биробиджан"},
    {"funding": "certified", "weekday": "5", "free_seats": "y"},
    {"q": "танцы хореография", "age": "7"},
    {"direction": "science", "age": "11", "sort": "seats"},
    {"age": "6", "max_price": "2500", "page": "2"},
    {},
]


def search_paths() -> list[str]:
    return ["/programs" + ("?" + urlencode(params, quote_via=quote) if params else "")
            for params in SEARCHES]



def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], env: dict) -> None:
    print("$", " ".join(str(a) for a in args), flush=True)
    subprocess.run(args, cwd=ROOT, env=env, check=True)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - 127.0.0.1
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    for _ in range(100):
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited before answering")
        try:
            if fetch(base + "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz within 20 s")


def check_searches(base: str) -> list[str]:
    """Every search must answer 200 with the navigator's results; returns the problems."""
    problems = []
    for path in search_paths():
        status, body = fetch(base + path)
        if status != 200:
            problems.append(f"{path}: HTTP {status}")
        elif RESULT_MARK not in body:
            problems.append(f"{path}: no «{RESULT_MARK}» in the page (not the navigator?)")
    return problems


LUA = """
local paths = {%s}
local counter = 0
init = function(args)
  counter = math.random(#paths)
end
request = function()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH p50=%%.0f p95=%%.0f requests=%%d duration=%%d non2xx=%%d "
    .. "socket_errors=%%d\\n", latency:percentile(50), latency:percentile(95),
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def wrk(base: str, paths: list[str], workdir: Path) -> dict:
    script = workdir / f"bench-{len(paths)}.lua"
    script.write_text(LUA % ", ".join(f'"{p}"' for p in paths), encoding="utf-8")
    args = ["wrk", "-t2", "-c16", f"-d{DURATION}", "--timeout", "10s", "-s", str(script),
            base]
    print("$", " ".join(args), flush=True)
    output = subprocess.run(args, capture_output=True, text=True, check=True,
                            timeout=120).stdout
    print(output, flush=True)
    match = re.search(r"BENCH p50=(\d+) p95=(\d+) requests=(\d+) duration=(\d+) "
                      r"non2xx=(\d+) socket_errors=(\d+)", output)
    if not match:
        raise RuntimeError("wrk printed no figures")
    p50, p95, requests, duration, non2xx, errors = map(int, match.groups())
    if non2xx or errors:
        raise RuntimeError(f"wrk saw {non2xx} non-2xx answers and {errors} socket errors")
    return {"p50": p50 / 1000, "p95": p95 / 1000, "rps": requests / (duration / 1e6),
            "requests": requests}


def healthz_touches_database() -> bool:
    """Whether /healthz runs a query (a hello-world route must not)."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import event

    from pfdo import create_app
    from pfdo.db import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    queries = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: queries.append(a[2]))
        app.test_client().get("/healthz")
    return bool(queries)


def write_results(figures: dict, sizes: str, placeholder: bool, touches_db: bool) -> None:
    hello, found = figures["hello"], figures["search"]
    ratio = found["rps"] / hello["rps"] if hello["rps"] else 0.0
    note = ("\n**Placeholder:** `/programs` did not show the navigator's results when these "
            "figures were taken (BENCH_ALLOW_PLACEHOLDER=1); they do not measure the search.\n"
            if placeholder else "")
    db_note = ("" if not touches_db else
               "\n**Note:** `/healthz` ran a database query during this run.\n")
    lines = [
        BEGIN,
        f"Run {datetime.now().strftime('%d.%m.%Y %H:%M')}, data: {sizes}.",
        note + db_note,
        "| route | requests/s | p50, ms | p95, ms |",
        "|---|---:|---:|---:|",
        f"| `/healthz` (hello world) | {hello['rps']:.0f} | {hello['p50']:.1f} | "
        f"{hello['p95']:.1f} |",
        f"| navigator searches ({len(SEARCHES)} URLs) | {found['rps']:.0f} | "
        f"{found['p50']:.1f} | {found['p95']:.1f} |",
        "",
        f"Throughput ratio search / hello world: **{ratio:.3f}** "
        f"({ratio * 100:.1f} %).",
        END,
    ]
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else f"{BEGIN}\n{END}\n"
    before, _, rest = text.partition(BEGIN)
    _, _, after = rest.partition(END)
    RESULTS.write_text(before + "\n".join(lines) + after, encoding="utf-8")
    print(f"Figures written to {RESULTS.relative_to(ROOT)}")


def main() -> int:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="pfdo-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "PFDO_ENV"}
    env.update({"DATABASE_URL": db_url(DATABASE), "FLASK_APP": "app.py",
                "RATELIMIT_ENABLED": "0", "OUTBOX_DELIVER_INLINE": "0",
                "UPLOAD_DIR": str(workdir / "uploads"), "LOG_LEVEL": "WARNING"})
    server = None
    try:
        admin_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin_sql(f"CREATE DATABASE {DATABASE}")
        run([str(BIN / "flask"), "db", "upgrade"], env)
        generated = subprocess.run([str(BIN / "python"), "bench/generate.py"], cwd=ROOT,
                                   env=env, check=True, capture_output=True, text=True)
        sizes = generated.stdout.strip().splitlines()[-1]
        print(sizes, flush=True)
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level",
             "warning", "app:app"], cwd=ROOT, env=env, start_new_session=True)
        wait_until_up(base, server)
        problems = check_searches(base)
        placeholder = bool(problems)
        if problems:
            print("The searches do not show the navigator's results:\n  "
                  + "\n  ".join(problems), file=sys.stderr, flush=True)
            if not ALLOW_PLACEHOLDER:
                raise RuntimeError("navigator check failed (BENCH_ALLOW_PLACEHOLDER=1 to "
                                   "measure anyway)")
        touches_db = healthz_touches_database()
        figures = {"hello": wrk(base, ["/healthz"], workdir),
                   "search": wrk(base, search_paths(), workdir)}
        write_results(figures, sizes, placeholder, touches_db)
        return 0
    except (RuntimeError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        print(f"BENCHMARK FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        try:
            admin_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        except Exception as error:  # noqa: BLE001 - report, do not hide the first failure
            print(f"Could not drop {DATABASE}: {error}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
