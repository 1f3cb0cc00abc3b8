# doanbd — two commands do all set-up on a fresh clone: `make run` and `make test`.
GO      ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
DATA    ?= data

.PHONY: run build test test-short lint bench proto clean

## build: the binary to bin/doanbd (and the bundled plugins to bin/plugins)
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/doanbd ./cmd/doanbd

## run: embedded mode (SQLite + in-process queue), demo data, prints URL and logins
run: build
	DOANBD_DATA_DIR=$(DATA) bin/doanbd seed --demo
	DOANBD_DATA_DIR=$(DATA) bin/doanbd serve

## test: every test — unit, SQLite and PostgreSQL, Redis, plugins, browser (race detector on)
test: build
	$(GO) vet ./...
	$(GO) test -race -timeout 20m ./...

## test-short: quick loop while developing (no race detector)
test-short:
	$(GO) test ./...

## lint: go vet + gofmt
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## bench: every benchmark with its same-run baseline, written to BENCHMARKS.md
bench: build
	bin/doanbd bench --out BENCHMARKS.md

clean:
	rm -rf bin
