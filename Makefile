# Sentra developer commands. Each target installs what it is missing first.
# The Python toolchain is uv (installed with pip when absent); uv uses this machine's
# Python 3.11+ and never downloads one.

UV := python3 -m uv
export UV_PYTHON_PREFERENCE := only-system
export UV_PYTHON_DOWNLOADS := never

PACKAGES := -p sentra_shared -p sentra_documents -p sentra_credit -p sentra_insurance \
            -p sentra_notifications -p sentra_local

.PHONY: setup deps lint test demo up down status

deps:
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==0.13.9"
	$(UV) sync --locked --quiet

# PostgreSQL server binaries (apt when root on Debian) and the Kafka jars (Maven, cached).
setup: deps
	$(UV) run --locked sentra-local setup

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
