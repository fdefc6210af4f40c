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
import random
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
#: distinct URLs of the miss-only run (more than it can ask in DURATION) and of the realistic one
MISS_URLS, REALISTIC_URLS = 6000, 1200
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
ALLOW_PLACEHOLDER = os.environ.get("BENCH_ALLOW_PLACEHOLDER") == "1"
#: the results heading in any of its forms: «Найдено 5 программ», «Найдена 1», «Найдены 3»
RESULT_MARK = re.compile(r"Найден[оаы] ")
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


def search_paths(searches: list[dict] | None = None) -> list[str]:
    return ["/programs" + ("?" + urlencode(params, quote_via=quote) if params else "")
            for params in (SEARCHES if searches is None else searches)]


#: what parents type (bench/search_quality.py has them by family), for the distinct URLs
WORDS = ["робототехника", "шахматы", "плавание", "футбол", "рисование", "английский язык",
         "танцы", "вокал", "программирование", "3д моделирование", "дзюдо", "волейбол",
         "гитара", "театр", "экология", "химия", "астрономия", "туризм", "лего",
         "подготовка к школе", "кружок рисования", "секция плавания", "шахмты", "hj,jn",
         "пловец", "единоборства", "айти", "для малышей", "мульт студия", "журналистика"]
DIRECTIONS = ["", "technical", "science", "sports", "arts", "tourism", "social"]
SORTS = ["", "price", "rating", "seats"]


def distinct_searches(count: int, seed: int) -> list[dict]:
    """`count` different searches: a word or none × the child's age × a direction × a sort,
    sometimes a district, the free seats or a day; shuffled, none twice."""
    rng = random.Random(seed)
    seen: set[tuple] = set()
    out: list[dict] = []
    while len(out) < count:
        params = {"q": rng.choice(WORDS + [""]), "age": str(rng.randint(5, 17)),
                  "direction": rng.choice(DIRECTIONS), "sort": rng.choice(SORTS)}
        if rng.random() < 0.3:
            params["free_seats"] = "y"
        if rng.random() < 0.3:
            params["weekday"] = str(rng.randint(0, 6))
        if rng.random() < 0.2:
            params["page"] = "2"
        params = {k: v for k, v in params.items() if v}
        key = tuple(sorted(params.items()))
        if key not in seen:
            seen.add(key)
            out.append(params)
    return out


def zipf_sequence(paths: list[str], length: int, seed: int) -> list[str]:
    """`length` requests drawn from `paths` with a Zipf-like popularity (the k-th most popular
    asked ∝ 1 / k): a few searches are very common, most are rare."""
    rng = random.Random(seed)
    weights = [1 / k for k in range(1, len(paths) + 1)]
    return rng.choices(paths, weights=weights, k=length)


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def cpu_seconds(server_pid: int) -> tuple[float, float]:
    """CPU seconds used so far by gunicorn's workers and by PostgreSQL's processes."""
    workers = postgres = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat.split("(", 1)[1].rsplit(")", 1)[0]
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == server_pid:
            workers += _ticks(int(entry.name))
        elif name.startswith("postgres"):
            postgres += _ticks(int(entry.name))
    hz = os.sysconf("SC_CLK_TCK")
    return workers / hz, postgres / hz



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
        elif not RESULT_MARK.search(body):
            problems.append(f"{path}: no «Найдено …» in the page (not the navigator?)")
    return problems


# Each of wrk's threads takes every other path, starting from its own: in the miss-only run no
# URL is asked twice, and the popular ones of the realistic sequence are spread over both.
LUA = """
local paths = {%s}
local threads = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end
local counter = 0
init = function(args)
  counter = id - 2
end
request = function()
  counter = counter + 2
  return wrk.format("GET", paths[(counter - 1) %% #paths + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH p50=%%.0f p95=%%.0f requests=%%d duration=%%d non2xx=%%d "
    .. "socket_errors=%%d\\n", latency:percentile(50), latency:percentile(95),
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def wrk(base: str, paths: list[str], workdir: Path, name: str, *, threads: int = 2,
        connections: int = 16) -> dict:
    script = workdir / f"bench-{name}.lua"
    script.write_text(LUA % ", ".join(f'"{p}"' for p in paths), encoding="utf-8")
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{DURATION}", "--timeout", "10s",
            "-s", str(script), base]
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


def redis_reachable(url: str) -> bool:
    host, _, port = url.split("//", 1)[1].split("/", 1)[0].partition(":")
    try:
        with socket.create_connection((host, int(port or 6379)), timeout=1):
            return True
    except OSError:
        return False


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


def write_results(figures: dict, sizes: str, placeholder: bool, touches_db: bool,
                  cache_kind: str) -> None:
    hello = figures["hello"]

    def ratio(name: str) -> float:
        return figures[name]["rps"] / hello["rps"] if hello["rps"] else 0.0

    note = ("\n**Placeholder:** `/programs` did not show the navigator's results when these "
            "figures were taken (BENCH_ALLOW_PLACEHOLDER=1); they do not measure the search.\n"
            if placeholder else "")
    db_note = ("" if not touches_db else
               "\n**Note:** `/healthz` ran a database query during this run.\n")
    labels = {
        "hello": "`/healthz` (hello world)",
        "search": f"navigator searches, {len(SEARCHES)} URLs in turn (served from the cache "
                  "after the first)",
        "miss": f"miss-only: {figures['miss']['distinct']} distinct search URLs, none asked twice",
        "realistic": f"realistic: {figures['realistic']['distinct']} distinct search URLs drawn "
                     "with a Zipf-like popularity, the page cache empty at the start",
        "warm": f"realistic, warm: the same {figures['warm']['distinct']} URLs, another draw, "
                "the cache as the run before left it",
        "alone": "a search served alone (1 connection, distinct URLs, nothing cached)",
    }
    targets = {"miss": 0.08, "realistic": 0.40, "warm": 0.40}
    lines = [
        BEGIN,
        f"Run {datetime.now().strftime('%d.%m.%Y %H:%M')}, data: {sizes}; guests (no cookie), "
        f"gunicorn 2 workers, wrk 2 threads × 16 connections, {cache_kind} page cache.",
        note + db_note,
        "| route | requests/s | ratio to hello world | p50, ms | p95, ms | app CPU per request, "
        "ms | PostgreSQL CPU per request, ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, label in labels.items():
        f = figures[name]
        lines.append(f"| {label} | {f['rps']:.0f} | {ratio(name):.3f} | {f['p50']:.1f} | "
                     f"{f['p95']:.1f} | {f['app_cpu']:.2f} | {f['db_cpu']:.2f} |")
    verdicts = "; ".join(
        f"{name} ≥ {target} × hello world: "
        f"{'reached' if ratio(name) >= target else 'NOT reached'} ({ratio(name):.3f})"
        for name, target in targets.items())
    alone = figures["alone"]["p50"]
    verdicts += (f"; a search served alone in a median ≤ 8 ms: "
                 f"{'reached' if alone <= 8 else 'NOT reached'} ({alone:.1f} ms)")
    lines += ["", f"Targets — {verdicts}.", END]
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
    # the page cache shared by both workers, as in production, when a Redis is at hand
    env.setdefault("REDIS_URL", REDIS_URL if redis_reachable(REDIS_URL) else "")
    server = None
    try:
        admin_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin_sql(f"CREATE DATABASE {DATABASE}")
        run([str(BIN / "flask"), "db", "upgrade"], env)
        generated = subprocess.run([str(BIN / "python"), "bench/generate.py"], cwd=ROOT,
                                   env=env, check=True, capture_output=True, text=True)
        sizes = generated.stdout.strip().splitlines()[-1]
        print(sizes, flush=True)
        # the statistics a running database would have (autovacuum has not come by yet)
        admin_sql("VACUUM ANALYZE", database=DATABASE)
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
        misses = search_paths(distinct_searches(MISS_URLS, seed=1))
        popular = search_paths(distinct_searches(REALISTIC_URLS, seed=2))
        runs = {"hello": ["/healthz"], "search": search_paths(),
                "miss": misses, "realistic": zipf_sequence(popular, 40_000, seed=3),
                "warm": zipf_sequence(popular, 40_000, seed=5),
                "alone": search_paths(distinct_searches(MISS_URLS, seed=4))}
        figures = {}
        for name, paths in runs.items():
            before = cpu_seconds(server.pid)
            figures[name] = wrk(base, paths, workdir, name,
                                **({"threads": 1, "connections": 1} if name == "alone" else {}))
            after = cpu_seconds(server.pid)
            done = max(figures[name]["requests"], 1)
            figures[name]["app_cpu"] = (after[0] - before[0]) / done * 1000
            figures[name]["db_cpu"] = (after[1] - before[1]) / done * 1000
        figures["miss"]["distinct"] = len(misses)
        figures["realistic"]["distinct"] = len(set(runs["realistic"]))
        figures["warm"]["distinct"] = len(set(runs["warm"]))
        write_results(figures, sizes, placeholder, touches_db,
                      "Redis" if env.get("REDIS_URL") else "in-process")
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
