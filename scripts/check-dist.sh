#!/usr/bin/env bash
# Rebuilds dist/ from the sources and fails if it differs from what is committed.
set -euo pipefail
npm run package
if [ -n "$(git status --porcelain -- dist)" ]; then
  echo "dist/ is not what the sources build to. Run 'npm run package' and commit dist/:" >&2
  git status --porcelain -- dist >&2
  git --no-pager diff --stat -- dist >&2
  exit 1
fi
echo "dist/ matches the sources."
