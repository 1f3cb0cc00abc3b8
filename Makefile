# doanbd — two commands do all set-up on a fresh clone: `make run` and `make test`.
GO      ?= go
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
DATA    ?= data

# gin's msgpack binding, and the ugorji codec behind it, are left out of every
# build and test: nothing here speaks msgpack, and they cost 9 MB of binary and
# 1.5-6 MB of resident memory at idle. Exported, so the go commands that tests
# run (they build the binary) build the same way.
export GOFLAGS := -tags=nomsgpack $(GOFLAGS)

.PHONY: run build plugins test test-short lint bench proto clean

# Bundled plugins: source directories under plugins/bundled.
PLUGINS := bcarules localprograms costnorms
# protoc-gen-go-grpc is not a dependency of the module; this version generates
# code for the google.golang.org/grpc in go.mod.
PROTOC_GEN_GO_GRPC_VERSION := v1.6.2

## build: the binary to bin/doanbd (and the bundled plugins to bin/plugins)
build: plugins
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/doanbd ./cmd/doanbd

## plugins: each bundled plugin to bin/plugins/<name>/ (binary, examples, plugin.yaml with the binary's sha256)
plugins:
	@set -e; for d in $(PLUGINS); do \
		name=$$(sed -n 's/^name: *//p' plugins/bundled/$$d/plugin.yaml); out=bin/plugins/$$name; \
		mkdir -p $$out; \
		$(GO) build -o $$out/$$name ./plugins/bundled/$$d; \
		if [ -d plugins/bundled/$$d/examples ]; then cp -R plugins/bundled/$$d/examples $$out/; fi; \
		{ cat plugins/bundled/$$d/plugin.yaml; echo "sha256: $$(sha256sum $$out/$$name | cut -d' ' -f1)"; } > $$out/plugin.yaml; \
		echo "plugin $$name -> $$out"; \
	done

## proto: regenerate plugins/sdk/pluginv1 from plugin.proto (protoc from Debian's protobuf-compiler)
proto:
	@command -v protoc >/dev/null || { apt-get update -q && apt-get install -y -q protobuf-compiler; }
	GOBIN=$(CURDIR)/bin/tools $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$$($(GO) list -m -f '{{.Version}}' google.golang.org/protobuf)
	GOBIN=$(CURDIR)/bin/tools $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION)
	PATH=$(CURDIR)/bin/tools:$$PATH protoc -I plugins/sdk/pluginv1 \
		--go_out=plugins/sdk/pluginv1 --go_opt=paths=source_relative \
		--go-grpc_out=plugins/sdk/pluginv1 --go-grpc_opt=paths=source_relative \
		plugins/sdk/pluginv1/plugin.proto

## run: embedded mode (SQLite + in-process queue), demo data, prints URL and logins
run: build
	DOANBD_DATA_DIR=$(DATA) bin/doanbd seed --demo
	DOANBD_DATA_DIR=$(DATA) bin/doanbd serve

# Packages where goroutines meet (queue, relay and workers, the workflow engine,
# the enforcer and its watcher, the plugin supervisor, sessions, the tenant
# snapshot, the database layer) run under the race detector; the rest (the
# whole-app isolation matrix, browser and domain tests) run without it, which
# keeps `.ci/run` inside its time budget on a 2-core machine.
RACE_PKGS := ./workflows/... ./core/sqldb/... ./core/authz/... ./core/identity/... ./core/audit/... \
	./tenants/... ./core/web ./core/testenv/... ./plugins/host
RACE_RE   := ^doanbd/(workflows|core/sqldb|core/authz|core/identity|core/audit|tenants|core/testenv)(/|$$)|^doanbd/(core/web|plugins/host)$$

## test: every test — unit, SQLite and PostgreSQL, Redis, plugins, browser (race detector where goroutines meet)
test: build
	$(GO) vet ./...
	$(GO) test -race -timeout 20m $(RACE_PKGS)
	$(GO) test -timeout 20m $$($(GO) list ./... | grep -v -E '$(RACE_RE)')

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
