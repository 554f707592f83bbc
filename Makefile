# nyckeltal — make targets. A newcomer needs two: `make run` and `make test`.

GO       ?= go
export CGO_ENABLED = 1
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/nyckeltal/nyckeltal/internal/version.Version=$(VERSION)
FUZZTIME ?= 30s

.PHONY: all build run test vet fmt-check demo fuzz clean help soak measure bench

all: build

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

build: ## build bin/nyckeltal and bin/kolada-fake (cgo: DuckDB)
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/nyckeltal ./cmd/nyckeltal
	$(GO) build -o bin/kolada-fake ./cmd/kolada-fake

run: build ## the nightly run: every configured job (Kolada, inbox, derived tables) into data/nyckeltal.duckdb, then a summary
	bin/nyckeltal run

# The packages that run goroutines of their own also run under the race detector.
RACE_PKGS := ./connectors/kolada/... ./internal/pipeline/ ./internal/schedule/ ./internal/tabular/

test: vet fmt-check ## vet, formatting, every test, and the race detector on the concurrent packages
	$(GO) test -count=1 ./...
	$(GO) test -race -count=1 $(RACE_PKGS)

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

demo: build ## the whole flow offline, against the fake Kolada server with fictional data
	scripts/demo.sh

BENCH_VALUES ?= 20000000
BENCH_ONLY ?=
bench: build ## measure against the limits, as ratios in one run; writes docs/PERFORMANCE.md (minutes; GBs in $$TMPDIR); BENCH_ONLY=parsers for the parsers alone
	$(GO) build -o bin/nyckeltal-bench ./cmd/nyckeltal-bench
	bin/nyckeltal-bench --values $(BENCH_VALUES) $(if $(BENCH_ONLY),--only $(BENCH_ONLY)) --update docs/PERFORMANCE.md
	$(GO) test -run '^$$' -bench . -benchtime 20x ./connectors/kolada/ ./transform/nka/ ./connectors/webfocus/ ./connectors/treserva/

fuzz: ## run every fuzz target for FUZZTIME (default 30s) each
	scripts/fuzz.sh $(FUZZTIME)

clean: ## remove built binaries and demo output (never the store)
	rm -rf bin out

SOAK ?= 20
soak: ## repeat the kill -9 (named points and random moments), lock, reader and API-fault tests SOAK times (default 20)
	NYCKELTAL_SOAK=$(SOAK) $(GO) test -count=1 -timeout 60m -run 'TestKillNine|TestReaders|TestLockContention' -v ./internal/cli/
	NYCKELTAL_SOAK=$(SOAK) $(GO) test -count=1 -timeout 30m -run 'TestFaultsEndWithTheSameDataAsACleanRun' ./connectors/kolada/

MEASURE_ROWS ?= 3000000
measure: ## time and disk cost of publishing a store of MEASURE_ROWS observations (docs/OPERATIONS.md)
	NYCKELTAL_MEASURE_ROWS=$(MEASURE_ROWS) $(GO) test -count=1 -timeout 60m -run TestMeasurePublishCost -v ./internal/store/
