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

test: vet fmt-check ## vet, formatting and every test (the acceptance tests use ../shared when present)
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

demo: build ## the whole flow offline, against the fake Kolada server with fictional data
	scripts/demo.sh

BENCH_VALUES ?= 20000000
bench: build ## measure against the limits, as ratios in one run; writes docs/PERFORMANCE.md (minutes; GBs in $$TMPDIR)
	$(GO) build -o bin/nyckeltal-bench ./cmd/nyckeltal-bench
	bin/nyckeltal-bench --values $(BENCH_VALUES) --update docs/PERFORMANCE.md
	$(GO) test -run '^$$' -bench . -benchtime 20x ./connectors/kolada/ ./transform/nka/

fuzz: ## run every fuzz target for FUZZTIME (default 30s) each
	scripts/fuzz.sh $(FUZZTIME)

clean: ## remove built binaries and demo output (never the store)
	rm -rf bin out

SOAK ?= 20
soak: ## repeat the kill -9, lock and reader process tests SOAK times (default 20)
	NYCKELTAL_SOAK=$(SOAK) $(GO) test -count=1 -timeout 60m -run 'TestKillNine|TestReaders|TestLockContention' -v ./internal/cli/

MEASURE_ROWS ?= 3000000
measure: ## time and disk cost of publishing a store of MEASURE_ROWS observations (docs/OPERATIONS.md)
	NYCKELTAL_MEASURE_ROWS=$(MEASURE_ROWS) $(GO) test -count=1 -timeout 60m -run TestMeasurePublishCost -v ./internal/store/
