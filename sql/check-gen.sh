#!/usr/bin/env bash
# Drift check (`just check-gen`): regenerate the query modules from sql/ in a temp dir and
# compare them with the committed brain/z4j_brain/db/queries. Run from the repo root with
# the venv's `sqlc` on PATH. Fails on modified, missing and stale (extra) files.
set -euo pipefail

root=$(pwd)
committed="$root/brain/z4j_brain/db/queries"
if [[ ! -f "$root/sql/sqlc.yaml" ]]; then
    echo "check-gen: run from the repository root (no sql/sqlc.yaml here)" >&2
    exit 2
fi
if ! command -v sqlc >/dev/null; then
    echo "check-gen: sqlc not found on PATH (use \`uv run sql/check-gen.sh\` or \`just check-gen\`)" >&2
    exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R "$root/sql" "$tmp/sql"
mkdir -p "$tmp/brain/z4j_brain/db/queries"

if ! (cd "$tmp" && sqlc -f sql/sqlc.yaml generate); then
    echo "check-gen: sqlc generate failed (see above)" >&2
    exit 1
fi

generated="$tmp/brain/z4j_brain/db/queries"
# __pycache__ is not generated output; anything else in the committed folder must be.
if ! diff -r -x __pycache__ "$committed" "$generated" >"$tmp/diff.txt" 2>&1; then
    sed -e "s#$generated#<generated>#g" -e "s#$committed#brain/z4j_brain/db/queries#g" "$tmp/diff.txt" >&2
    echo >&2
    echo "check-gen: brain/z4j_brain/db/queries is out of date with sql/ (modified, missing or stale files above); run \`just gen\` and commit the result" >&2
    exit 1
fi
echo "check-gen: brain/z4j_brain/db/queries is up to date"
