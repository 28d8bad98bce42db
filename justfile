# z4j task runner: `just` lists the recipes.
set shell := ["bash", "-euo", "pipefail", "-c"]

[private]
default:
    @just --list --unsorted

# Install Python 3.11 dependencies and tools into .venv (uv.lock pins every version).
setup:
    uv sync --locked --all-packages

# Run the brain (embedded PostgreSQL unless Z4J_DATABASE_URL is set); extra args go to `z4j serve`.
serve *args: setup
    uv run z4j serve {{args}}

# Run every test, in parallel; extra args go to pytest.
test *args:
    uv run pytest -n auto --dist loadgroup {{args}}

# Format check and lint.
lint:
    uv run ruff format --check .
    uv run ruff check .

# Format the code.
fmt:
    uv run ruff format .
    uv run ruff check --fix .

# Strict type check (basedpyright).
types:
    uv run basedpyright

# Regenerate brain/z4j_brain/db/queries from sql/ (sqlc + sql/codegen.py).
gen:
    uv run sqlc -f sql/sqlc.yaml generate

# Fail when the generated query modules differ from what `just gen` would write.
check-gen:
    uv run bash sql/check-gen.sh

# Rewrite sql/schema.sql from the migrations (dbmate dump from a scratch PostgreSQL 18).
schema:
    uv run python -m z4j_brain.db.schemadump

# Fail when sql/schema.sql is stale.
check-schema:
    uv run python -m z4j_brain.db.schemadump --check

# New migration file: just db-new create_widgets
db-new name:
    uv run dbmate --migrations-dir sql/migrations new {{name}}

# Benchmarks (print figures; not part of the test suite).
bench:
    uv run python tests/bench/boot.py

# Everything CI checks: lint, types, generated-code drift, schema drift, tests.
ci: lint types check-gen check-schema test
