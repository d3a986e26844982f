#!/usr/bin/env bash
# Runs the graphql-http server audits (npm graphql-http, serverAudits) against a hub started
# here: a fresh SQLite database, a token from `hub token issue`, uvicorn on a free local port.
# Fails on any MUST failure, and (AUDIT_STRICT=1, the default) on any SHOULD or MAY failure.
set -euo pipefail
cd "$(dirname "$0")/.."
GRAPHQL_HTTP_VERSION=1.23.1
export AUDIT_STRICT="${AUDIT_STRICT:-1}"

command -v node >/dev/null || { echo "graphql-http audit: node is not installed" >&2; exit 1; }
if [ ! -f .ci/node/node_modules/graphql-http/package.json ] \
    || ! grep -q "\"version\": \"$GRAPHQL_HTTP_VERSION\"" .ci/node/node_modules/graphql-http/package.json; then
    mkdir -p .ci/node
    [ -f .ci/node/package.json ] || echo '{"private": true, "name": "hub-ci-node"}' > .ci/node/package.json
    if ! npm install --prefix .ci/node --no-audit --no-fund --no-save \
        "graphql-http@$GRAPHQL_HTTP_VERSION" "graphql@16"; then
        echo "graphql-http audit: FAILED to install graphql-http from npm (is the registry reachable?)" >&2
        exit 1
    fi
fi

work="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

export HUB_DATABASE_URL="sqlite+aiosqlite:///$work/hub.db"
export HUB_MODE=development
.venv/bin/hub db upgrade >/dev/null
.venv/bin/hub demo --scale tiny >/dev/null  # the organisations a token can act for
token="$(.venv/bin/hub token issue --org hub --role hub_admin --name ci-graphql-http-audit)"
port="$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

.venv/bin/uvicorn --factory hub.app:create_app --host 127.0.0.1 --port "$port" \
    --log-level warning >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.2
done

HUB_URL="http://127.0.0.1:$port/graphql" HUB_TOKEN="$token" node .ci/graphql_http_audit.mjs
