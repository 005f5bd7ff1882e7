# Build, run and test the broker. `make test` installs what the tests need.
GO      ?= go
BIN     := bin/amq
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

# Packages with concurrency: always tested with the race detector.
RACE_PKGS := ./broker/... ./internal/stomp/... ./store/... ./internal/server/...

.PHONY: build run test test-go test-long bench bench-go deps fmt vet clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/amq

# Runs the broker on its built-in configuration (data in ./data).
run: build
	./$(BIN) console

# Everything CI runs: installs test dependencies, then vet, race tests,
# all tests (fuzz seed corpora included) and the end-to-end suite.
test: deps build
	$(MAKE) test-go

# .test-env (written by scripts/test-deps.sh) points the SQL tests at the
# local PostgreSQL and MariaDB servers it started.
test-go: vet
	set -a; [ -f .test-env ] && . ./.test-env; set +a; \
	$(GO) test -race -count=1 -timeout 15m $(RACE_PKGS) && \
	$(GO) test -count=1 -timeout 15m ./...

deps:
	bash scripts/test-deps.sh

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)

# Soaks, big backlogs and crash loops with more rounds.
test-long: deps build
	AMQ_LONG=1 $(GO) test -count=1 -timeout 60m ./...

# The comparison with ActiveMQ 5.17 (bench/RESULTS.md); QUICK=1 for one short pass.
bench: build
	QUICK=$(QUICK) bash bench/compare.sh

# Go micro-benchmarks of the broker's parts.
bench-go:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./broker/... ./internal/stomp/... ./store/... ./internal/openwire/...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
