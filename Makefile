# nyckeltal — make targets. A newcomer needs two: `make run` and `make test`.

GO       ?= go
export CGO_ENABLED = 1
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/nyckeltal/nyckeltal/internal/version.Version=$(VERSION)
FUZZTIME ?= 30s

.PHONY: all build run test vet fmt-check lint demo fuzz clean help soak measure bench

all: build

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

build: ## build bin/nyckeltal and bin/kolada-fake (cgo: DuckDB)
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/nyckeltal ./cmd/nyckeltal
	$(GO) build -o bin/kolada-fake ./cmd/kolada-fake

run: build ## the nightly run: every configured job (Kolada, inbox, derived tables) into data/nyckeltal.duckdb, then a summary
	bin/nyckeltal run

# The packages that run goroutines of their own also run under the race detector.
RACE_PKGS := ./connectors/kolada/... ./connectors/webfocus/ ./connectors/indicators/ ./internal/jobs/ ./internal/schedule/ ./internal/tabular/

test: vet fmt-check lint ## vet, formatting, the linters, every test, and the race detector on the concurrent packages
	$(GO) test -count=1 ./...
	$(GO) test -race -count=1 $(RACE_PKGS)

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# The linters, at pinned versions, built into bin/tools/ by `go install` the
# first time (about a minute and a half on a fresh machine: they are
# compiled) and reused after; a fresh clone needs nothing else. The
# golangci-lint configuration is .golangci.yml.
STATICCHECK_VERSION   := v0.8.2
GOLANGCI_LINT_VERSION := v2.15.0
STATICCHECK   := bin/tools/staticcheck-$(STATICCHECK_VERSION)/staticcheck
GOLANGCI_LINT := bin/tools/golangci-lint-$(GOLANGCI_LINT_VERSION)/golangci-lint

$(STATICCHECK):
	GOBIN=$(CURDIR)/$(@D) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(GOLANGCI_LINT):
	GOBIN=$(CURDIR)/$(@D) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

lint: $(STATICCHECK) $(GOLANGCI_LINT) ## staticcheck and golangci-lint (.golangci.yml), installed into bin/tools/ when missing
	$(STATICCHECK) ./...
	$(GOLANGCI_LINT) run ./...

demo: build ## the whole flow offline, against the fake Kolada server with fictional data
	scripts/demo.sh

BENCH_VALUES ?= 20000000
BENCH_ONLY ?=
bench: build ## measure against the limits, as ratios in one run; writes docs/PERFORMANCE.md (minutes; GBs in $$TMPDIR); BENCH_ONLY=parsers for the parsers alone
	$(GO) build -o bin/nyckeltal-bench ./cmd/nyckeltal-bench
	bin/nyckeltal-bench --values $(BENCH_VALUES) $(if $(BENCH_ONLY),--only $(BENCH_ONLY)) --update docs/PERFORMANCE.md
	$(GO) test -run '^$$' -bench . -benchtime 20x ./connectors/kolada/ ./transform/nka/ ./connectors/webfocus/ ./connectors/treserva/ ./internal/tabular/

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
