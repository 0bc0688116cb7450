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

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed:"; echo "$unformatted"; exit 1; fi
go vet ./...
go test -race -count=1 "$@" ./...
