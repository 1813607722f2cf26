# Two commands do everything on a fresh Debian/Ubuntu machine; see README.md.
# ODOO_SRC=/path/to/odoo-18.0 uses a local Odoo source instead of cloning odoo/odoo 18.0.
.PHONY: run test setup emulator lint format

run:
	bash tools/run.sh

test:
	bash tools/test.sh

setup:
	bash tools/setup.sh

emulator: setup
	. tools/env.sh && "$$PY" -m emulator

lint: setup
	. tools/env.sh && "$$PY" -m ruff check . && "$$PY" -m ruff format --check .

format: setup
	. tools/env.sh && "$$PY" -m ruff format . && "$$PY" -m ruff check --fix .

.PHONY: screenshots
screenshots:
	@bash tools/screenshots.sh

.PHONY: bench
bench:
	@bash tools/bench.sh

.PHONY: bench-notify
bench-notify:
	@bash tools/bench_notify.sh

.PHONY: wheel-check
wheel-check:
	@bash tools/wheel_check.sh
