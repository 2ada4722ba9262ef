#!/usr/bin/env bash
# Developer helper: builds a library and appends every symbol the PublicAPI analyzer reports as
# undeclared (RS0016) to that project's PublicAPI.Unshipped.txt. Review the diff before committing.
set -euo pipefail
project_dir=${1:?usage: eng/update-public-api.sh <project-dir>}
unshipped="$project_dir/PublicAPI.Unshipped.txt"
out=$(dotnet build "$project_dir" --no-incremental 2>&1 || true)
symbols=$(printf '%s\n' "$out" | grep -oP "RS0016: Symbol '\K.*(?=' is not part of the declared public API)" | sort -u || true)
if [ -z "$symbols" ]; then
  echo "no undeclared public API in $project_dir"
  exit 0
fi
{ grep -v '^#nullable' "$unshipped" || true; printf '%s\n' "$symbols"; } | sort -u > "$unshipped.tmp"
{ echo '#nullable enable'; cat "$unshipped.tmp"; } > "$unshipped"
rm -f "$unshipped.tmp"
echo "added $(printf '%s\n' "$symbols" | wc -l) symbols to $unshipped"
