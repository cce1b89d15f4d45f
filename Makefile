# Sluice: `make demo` sets up and runs the demo on the simulated cell; `make test` runs the tests.
SWIFT ?= swift
SLUICE := .build/release/sluice
SKAB ?= ../shared/data/skab
ORACLE ?= ../shared/data/replenishment-oracle.json

.PHONY: deps build demo test bench sample clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product sluice

demo: build
	$(SLUICE) demo

test: deps
	$(SWIFT) test

# The benchmarks reported in BENCHMARKS.md.
bench: build
	$(SLUICE) bench skab --data $(SKAB) --predictions predictions --compare
	python3 scripts/skab_metrics_check.py $(SKAB) predictions
	$(SLUICE) bench scoring --peer
	$(SLUICE) bench oracle $(ORACLE)
	$(SLUICE) bench oracle Tests/SluiceBenchmarksTests/Fixtures/oracle-random-cases.json
	$(SLUICE) bench replenishment
	$(SLUICE) bench gates

# Regenerates the sample telemetry and model shipped in notebooks-data/ and Models/.
sample: build
	$(SLUICE) simulate --samples 2400 --normal 1200 --spacing 300 --duration 120 --out notebooks-data/simulated-cell.csv
	$(SLUICE) train --data notebooks-data/simulated-cell.csv --asset press-01 --rows 1200 --name press-01 --out Models/press-01.pca-t2q.v1.json

clean:
	rm -rf .build demo-output predictions
