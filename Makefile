# Sluice: `make demo` sets up and runs the decision service on the simulated cell; `make test` runs the tests.
SWIFT ?= swift
SLUICE := .build/release/sluice
SKAB ?= ../shared/data/skab
ORACLE ?= ../shared/data/replenishment-oracle.json

.PHONY: deps peers build demo demo-opcua test bench sample clean

deps:
	@scripts/install-deps.sh

# The OPC UA servers the tests, benches and demo-opcua run as peers: a Python venv under .build, from PyPI.
peers:
	@scripts/opcua-peers.sh >/dev/null

build: deps
	$(SWIFT) build -c release --product sluice

demo: build
	$(SLUICE) demo

# The same demo with the assets' telemetry read from a local OPC UA server in front of the simulated cell.
demo-opcua: build peers
	$(SLUICE) demo --opcua

test: deps peers
	$(SWIFT) test

# The benchmarks reported in BENCHMARKS.md.
bench: build peers
	$(SLUICE) bench skab --data $(SKAB) --predictions predictions --compare
	python3 scripts/skab_metrics_check.py $(SKAB) predictions
	$(SLUICE) bench generalise --data $(SKAB)
	$(SLUICE) bench scoring --peer
	$(SLUICE) bench oracle $(ORACLE)
	$(SLUICE) bench oracle Tests/SluiceBenchmarksTests/Fixtures/oracle-random-cases.json
	$(SLUICE) bench replenishment
	$(SLUICE) bench gates
	$(SLUICE) bench ingest
	$(SLUICE) bench ingest --clients 4
	$(SLUICE) bench ingest --in-process --clients 1
	$(SLUICE) bench json
	$(SLUICE) bench opcua
	$(SLUICE) bench opcua --interval 50
	$(SLUICE) bench opcua --server asyncua
	# The same load on SQLite and on PostgreSQL in one run (a private server in a temporary folder, stopped afterwards).
	dir=$$(mktemp -d); url=$$(scripts/postgres-server.sh start $$dir) && \
		{ $(SLUICE) bench ingest --store "sqlite,$$url"; status=$$?; scripts/postgres-server.sh stop $$dir; exit $$status; }

# Regenerates the sample telemetry and the models shipped in notebooks-data/ and Models/ (v2: the default
# detector; v1, the textbook PCA models the gates ran before it, stay for the record and for rollback).
sample: build
	$(SLUICE) simulate --samples 2400 --normal 1200 --spacing 300 --duration 120 --out notebooks-data/simulated-cell.csv
	for asset in press-01 pump-02 oven-03; do \
		$(SLUICE) train --data notebooks-data/simulated-cell.csv --asset $$asset --rows 1200 --name $$asset --version 2 --out Models/$$asset.pca-t2q.v2.json || exit 1; \
	done

clean:
	rm -rf .build demo-output predictions
