.PHONY: run test bench bench-jobs bench-rfm bench-e2e bench-import bench-api bench-dash build

run:
	go run ./cmd/baobei

test:
	bash scripts/test.sh

bench:
	bash scripts/bench.sh

bench-jobs:
	BAOBEI_TEST_MYSQL_DSN="$${BAOBEI_TEST_MYSQL_DSN:-$$(bash scripts/ensure-mysql.sh)}" go test -run '^$$' -bench JobsMillion -benchtime 1x -timeout 30m ./scheduler

bench-rfm:
	BAOBEI_TEST_MYSQL_DSN="$${BAOBEI_TEST_MYSQL_DSN:-$$(bash scripts/ensure-mysql.sh)}" go test -run '^$$' -bench RFMMillion -benchtime 1x -timeout 30m ./scheduler

bench-e2e:
	bash scripts/bench-e2e.sh

bench-import:
	bash scripts/bench-import.sh

bench-api:
	bash scripts/bench-api.sh

bench-dash:
	BAOBEI_TEST_MYSQL_DSN="$${BAOBEI_TEST_MYSQL_DSN:-$$(bash scripts/ensure-mysql.sh)}" go test -run '^$$' -bench BenchmarkDash -benchtime 1x -timeout 30m ./dash

build:
	CGO_ENABLED=0 go build -trimpath -o bin/baobei ./cmd/baobei
