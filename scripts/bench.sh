#!/usr/bin/env bash
# The pipeline benchmark on MySQL/MariaDB (see cmd/baobei/bench_test.go).
set -euo pipefail
cd "$(dirname "$0")/.."
export BAOBEI_TEST_MYSQL_DSN="${BAOBEI_TEST_MYSQL_DSN:-$(bash scripts/ensure-mysql.sh)}"
go test -run '^$' -bench 'Pipeline|RawInsert|WeComCallbackAck' -benchtime "${BENCHTIME:-20000x}" -count "${COUNT:-1}" ./cmd/baobei
