#!/usr/bin/env bash
# Runs the whole suite: SQLite and PostgreSQL (TEST_DATABASE_URL) side by side — much of the
# PostgreSQL suite waits on the database, so two cores carry both — and the browser journeys
# once the SQLite run is done, beside the longer PostgreSQL one.
# With CI=true a missing PostgreSQL or Chromium is a failure, never a silent skip.
# Prints the time of each part at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
LOGS=$(mktemp -d)
failed=0
declare -a SUMMARY=()

part() {  # part NAME LOGFILE COMMAND...: run, keep the output, remember the time and result
  local name=$1 log=$2; shift 2
  local start=$SECONDS rc=0
  "$@" >"$log" 2>&1 || rc=$?
  echo "$((SECONDS - start)) $rc" >"$log.result"
}

report() {  # report NAME LOGFILE: print the part's output and add it to the summary
  local name=$1 log=$2 seconds rc
  echo "== $name"
  cat "$log"
  read -r seconds rc <"$log.result"
  SUMMARY+=("$(printf '%-28s %4d s  %s' "$name" "$seconds" "$([ "$rc" = 0 ] && echo ok || echo FAILED)")")
  [ "$rc" = 0 ] || failed=1
}

PG_URL=${TEST_DATABASE_URL:-}
part "SQLite suite" "$LOGS/sqlite" env TEST_DATABASE_URL= $PY -m pytest tests --ignore=tests/browser &
sqlite_pid=$!
if [ -n "$PG_URL" ]; then
  part "PostgreSQL suite" "$LOGS/pg" env TEST_DATABASE_URL="$PG_URL" \
    $PY -m pytest tests --ignore=tests/browser &
  pg_pid=$!
fi
wait $sqlite_pid
report "SQLite suite" "$LOGS/sqlite"

# The browser journeys start once SQLite is done, beside the longer PostgreSQL run.
browser_pid=
if [ -x "$CHROMIUM" ]; then
  part "Browser journeys" "$LOGS/browser" env TEST_DATABASE_URL= \
    $PY -m pytest tests/browser -p no:randomly &
  browser_pid=$!
elif [ "${CI:-}" = "true" ]; then
  echo "Chromium is missing at $CHROMIUM in CI: the browser suite cannot be skipped" >&2
  failed=1
else
  echo "== Browser suite skipped: apt-get install -y chromium"
fi

if [ -n "$PG_URL" ]; then
  wait $pg_pid
  report "PostgreSQL suite" "$LOGS/pg"
elif [ "${CI:-}" = "true" ]; then
  echo "TEST_DATABASE_URL is not set in CI: the PostgreSQL suite cannot be skipped" >&2
  failed=1
else
  echo "== PostgreSQL suite skipped: set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test"
fi

if [ -n "$browser_pid" ]; then
  wait $browser_pid
  report "Browser journeys ($CHROMIUM)" "$LOGS/browser"
fi

echo
echo "== Time of each part"
printf '%s\n' "${SUMMARY[@]}"
rm -rf "$LOGS"
exit $failed
