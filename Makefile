# Engram. `make run` starts a server on ./engram-data; `make test` runs the checks CI runs.
GO ?= go

.PHONY: run test build vet fmtcheck bench-locomo bench-ann bench-recall bench-ingest bench-extract bench-traverse reliability

run:
	$(GO) run ./cmd/engram serve

build:
	$(GO) build -o bin/engram ./cmd/engram

fmtcheck:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test: fmtcheck vet
	$(GO) test -race -timeout 20m ./...

bench-locomo: build
	./bin/engram bench locomo --data ../shared/bench/locomo

bench-ann: build
	./bin/engram bench ann

bench-recall: build
	./bin/engram bench recall --n 10000

bench-ingest: build
	./bin/engram bench ingest --n 10000

bench-extract: build
	./bin/engram bench extract

bench-traverse: build
	./bin/engram bench traverse

# The reliability battery, full profile: 20 SIGKILL cycles, 60 s of load by
# 32 clients (store, recall, search, forget, graph), hostile requests and
# every Go fuzz target for 10 s each, isolation probes, canary scan
# (see docs/operations.md; about 6 minutes).
reliability: build
	./bin/engram reliability --profile full
