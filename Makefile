.PHONY: run test bench build

run:
	go run ./cmd/baobei

test:
	bash scripts/test.sh

bench:
	bash scripts/bench.sh

build:
	CGO_ENABLED=0 go build -trimpath -o bin/baobei ./cmd/baobei
