#!/usr/bin/env bash
# Regenerates docs/diagrams/<stack>.png from the synthesized app (default configuration):
# cdk-dia reads the construct tree in cdk.out/tree.json and lays it out with Graphviz.
# Needs Graphviz's `dot` (Debian/Ubuntu: apt-get install graphviz). Run: npm run diagrams
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dot >/dev/null; then
  echo "npm run diagrams needs Graphviz's dot: apt-get install graphviz (or brew install graphviz)" >&2
  exit 1
fi

toolchain() {
  dot -V 2>&1
  echo "cdk-dia $(node -p "require('cdk-dia/package.json').version")"
}

# `--same-toolchain`: only report whether this machine's toolchain is the one that drew the diagrams.
if [ "${1:-}" = "--same-toolchain" ]; then
  [ "$(toolchain)" = "$(cat docs/diagrams/rendered-with.txt 2>/dev/null)" ]
  exit
fi

assembly=$(mktemp -d)
trap 'rm -rf "$assembly"' EXIT
npx cdk synth --quiet --output "$assembly" >/dev/null

for stack in HpcClusterStack WorkerFleetStack EdgeStack; do
  npx cdk-dia --tree "$assembly/tree.json" --target "docs/diagrams/${stack}.png" --include "$stack" >/dev/null
  # The .dot beside it names icon files by absolute path on this machine: not worth keeping.
  rm -f "docs/diagrams/${stack}.dot"
done
# PNG bytes depend on the layout engine: record which one drew these, so a check compares like with like.
toolchain > docs/diagrams/rendered-with.txt
echo "wrote docs/diagrams/{HpcClusterStack,WorkerFleetStack,EdgeStack}.png"
