# Sentra developer commands. Each target installs what it is missing first.
# The Python toolchain is uv (installed with pip when absent); uv uses this machine's
# Python 3.11+ and never downloads one.

UV := python3 -m uv
export UV_PYTHON_PREFERENCE := only-system
export UV_PYTHON_DOWNLOADS := never

PACKAGES := -p sentra_shared -p sentra_documents -p sentra_credit -p sentra_insurance \
            -p sentra_notifications -p sentra_empowerment -p sentra_local -p sentra_agencies \
            -p sentra_cluster

.PHONY: setup deps lint test demo up down status bench bench-e2e contracts conformance cluster-tools cluster-check

deps:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==0.13.9"
	$(UV) sync --locked --quiet

# PostgreSQL server binaries (apt when root on Debian) and the Kafka jars (Maven, cached);
# the cluster tools and the operators' CRD schemas (built once from their pinned releases).
setup: deps
	$(UV) run --locked sentra-local setup
	$(UV) run --locked sentra-cluster tools

cluster-tools: deps
	$(UV) run --locked sentra-cluster tools

# Render every Kustomize overlay and check every object offline (core kinds and the
# operators' CRDs); one line per problem.
cluster-check: cluster-tools
	$(UV) run --locked sentra-cluster validate

lint: deps
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .
	$(UV) run --locked mypy $(PACKAGES)

test: setup lint
	$(UV) run --locked pytest

demo: setup
	$(UV) run --locked sentra-local demo

up: setup
	$(UV) run --locked sentra-local up

down: deps
	$(UV) run --locked sentra-local down

status: deps
	$(UV) run --locked sentra-local status

# Regenerate the published contract (shared/contracts/: AsyncAPI + one JSON Schema per
# event) from the event catalogue; `make test` fails while it is out of date.
contracts: deps
	$(UV) run --locked python -m sentra_shared.contract generate
	$(UV) run --locked python -m sentra_shared.contract check

# Run agency consumers against a fresh sandbox Kafka and check their replies. Default: the
# built-in responders and deploy/agencies/example_consumer.py, for every agency. An
# agency's own consumer: make conformance CONSUMER="python my_consumer.py" AGENCY=polri
CONSUMER ?=
AGENCY ?=
conformance: setup
	$(UV) run --locked python -m sentra_agencies.conformance \
	    $(if $(CONSUMER),--consumer '$(CONSUMER)') $(if $(AGENCY),--agency $(AGENCY))

# One hop measured three ways (raw aiokafka, naive per-message, Sentra) on a fresh stack.
bench: setup
	$(UV) run --locked python -m sentra_local.bench

# The whole system under an open-loop load of the demo's mix, and its saturation rate, on a
# fresh stack (docs/performance.md). Short run: make bench-e2e BENCH_E2E_ARGS="--rates 20,40
# --duration 15 --no-search"; another stack: BENCH_E2E_ARGS="--intake URL --bootstrap H:P".
BENCH_E2E_ARGS ?=
bench-e2e: setup
	$(UV) run --locked python -m sentra_local.bench_e2e $(BENCH_E2E_ARGS)
