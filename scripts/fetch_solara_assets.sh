#!/usr/bin/env bash
# Fill Solara's CDN-proxy cache from the npm registry, so the Cascade view runs with no internet.
#
# Usage: scripts/fetch_solara_assets.sh [DEST]
# DEST defaults to the folder Solara reads when SOLARA_ASSETS_PROXY_CACHE_DIR is unset:
# <python prefix>/share/solara/cdn of the project's virtualenv. Point Solara elsewhere with
# SOLARA_ASSETS_PROXY_CACHE_DIR=DEST. Copy the folder to a locked-down laptop to run offline.
# Each folder is named by the npm spec exactly as Solara requests it; existing ones are kept.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PYTHON:-$root/.venv/bin/python}
[ -x "$py" ] || py=python3
dest=${1:-${SOLARA_ASSETS_PROXY_CACHE_DIR:-$("$py" -c 'import sys; print(sys.prefix)')/share/solara/cdn}}
# The specs Solara's page and the components the view uses (Markdown: katex, mermaid; charts:
# vega) request; tests/test_app_render.py checks them against the installed Solara.
specs=(
  @widgetti/solara-vuetify-app@10.1.1 requirejs@2.3.6 font-awesome@4.5.0
  @widgetti/vue-grid-layout@2.3.13-alpha.2
  vega@5 vega-lite@5 vega-embed@6
  katex@0.16.9 mermaid@10.8.0
)
command -v npm >/dev/null 2>&1 || { echo "fetch_solara_assets: npm is needed (apt-get install npm)" >&2; exit 1; }
mkdir -p "$dest"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for spec in "${specs[@]}"; do
  [ -e "$dest/$spec/package.json" ] && continue
  tgz=$(cd "$tmp" && npm pack --silent "$spec" | tail -1)
  rm -rf "$dest/$spec.partial"; mkdir -p "$dest/$spec.partial"
  tar xzf "$tmp/$tgz" -C "$dest/$spec.partial" --strip-components=1
  rm -rf "$dest/$spec"; mv "$dest/$spec.partial" "$dest/$spec"  # appear only when complete
done
echo "$dest"
