#!/usr/bin/env bash
# The test command (make test): formatting, vet, and every test with the race
# detector, against SQLite and against MySQL/MariaDB. Under CI=true a missing
# MySQL is a failure, not a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${BAOBEI_TEST_MYSQL_DSN:-}" ]; then
  if dsn=$(bash scripts/ensure-mysql.sh); then
    export BAOBEI_TEST_MYSQL_DSN="$dsn"
  elif [ "${CI:-}" = true ]; then
    echo "test: MySQL/MariaDB is required under CI=true" >&2; exit 1
  else
    echo "test: no MySQL/MariaDB; the MySQL backend is skipped" >&2
  fi
fi
echo "test: BAOBEI_TEST_MYSQL_DSN=${BAOBEI_TEST_MYSQL_DSN:-<unset>}"

# Fonts for the funnel picture, so that the chart path is tested too (best effort).
if [ ! -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get install -y -qq fonts-droid-fallback fonts-dejavu-core >/dev/null 2>&1 ||
   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq fonts-droid-fallback fonts-dejavu-core >/dev/null 2>&1)) ||
    echo "test: could not install fonts; the funnel picture test is skipped" >&2
fi

# Debian's Chromium for the dashboard's browser test: installed when missing
# and root; under CI=true the test fails without it, elsewhere it is skipped.
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 ||
   (apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1)) ||
    echo "test: could not install chromium; the browser test is skipped (fails under CI=true)" >&2
fi
export BAOBEI_ARTIFACTS=${BAOBEI_ARTIFACTS:-$PWD/artifacts}

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed:"; echo "$unformatted"; exit 1; fi
go vet ./...
go test -race -count=1 "$@" ./...
