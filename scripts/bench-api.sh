#!/usr/bin/env bash
# The lead API benchmark (make bench-api): POST /api/v1/leads over real HTTP
# on a throw-away MariaDB database, next to the raw INSERT rate measured in
# the same run. See api/bench_test.go and docs/PERFORMANCE.md; the
# BENCH_API_* variables there change the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BAOBEI_TEST_MYSQL_DSN:-}" ]; then
  BAOBEI_TEST_MYSQL_DSN=$(bash scripts/ensure-mysql.sh) || { echo "bench-api: needs MySQL/MariaDB (scripts/ensure-mysql.sh)" >&2; exit 1; }
fi
export BAOBEI_TEST_MYSQL_DSN
go test -run '^$' -bench '^BenchmarkLeadsAPI$' -benchtime 1x -count 1 -timeout "${BENCH_API_TIMEOUT:-30m}" ./api
