#!/usr/bin/env bash
# The end-to-end benchmark (make bench-e2e): the built bin/baobei against the
# fake WeCom (cmd/fakewecom, 20 ms per API answer) on a throw-away MariaDB
# database. See cmd/baobei/bench_e2e_test.go and docs/PERFORMANCE.md; the
# BENCH_E2E_* variables there change the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BAOBEI_TEST_MYSQL_DSN:-}" ]; then
  BAOBEI_TEST_MYSQL_DSN=$(bash scripts/ensure-mysql.sh) || { echo "bench-e2e: needs MySQL/MariaDB (scripts/ensure-mysql.sh)" >&2; exit 1; }
fi
export BAOBEI_TEST_MYSQL_DSN
CGO_ENABLED=0 go build -trimpath -o bin/baobei ./cmd/baobei
export BENCH_E2E_BIN="$PWD/bin/baobei"
go test -run '^$' -bench '^BenchmarkE2E$' -benchtime 1x -count 1 -timeout "${BENCH_E2E_TIMEOUT:-60m}" ./cmd/baobei
