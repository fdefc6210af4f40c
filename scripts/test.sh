#!/usr/bin/env bash
# Runs the whole suite: SQLite, then PostgreSQL (TEST_DATABASE_URL), then the browser journeys.
# With CI=true a missing PostgreSQL or Chromium is a failure, never a silent skip.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
failed=0

echo "== Unit and web tests on SQLite"
TEST_DATABASE_URL= $PY -m pytest tests --ignore=tests/browser || failed=1

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== The same suite on PostgreSQL, with the concurrency tests"
  $PY -m pytest tests --ignore=tests/browser || failed=1
elif [ "${CI:-}" = "true" ]; then
  echo "TEST_DATABASE_URL is not set in CI: the PostgreSQL suite cannot be skipped" >&2
  failed=1
else
  echo "== PostgreSQL suite skipped: set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test"
fi

if [ -x "$CHROMIUM" ]; then
  echo "== Browser journeys (Playwright, $CHROMIUM)"
  TEST_DATABASE_URL= $PY -m pytest tests/browser -p no:randomly || failed=1
elif [ "${CI:-}" = "true" ]; then
  echo "Chromium is missing at $CHROMIUM in CI: the browser suite cannot be skipped" >&2
  failed=1
else
  echo "== Browser suite skipped: apt-get install -y chromium"
fi

exit $failed
