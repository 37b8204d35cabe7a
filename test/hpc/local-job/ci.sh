#!/bin/bash
# CI's local multi-node runs of the HPC job (.ci/run calls this on every submission):
# 4 healthy nodes sharing /fsx must pass, print the fabric check's result from every node and
# see one another's marks in /fsx; 3 nodes whose
# node 2 has no working fabric must fail, naming node 2, within 3 minutes; without the cluster
# key every node must refuse to start, saying so.
set -euo pipefail
cd "$(dirname "$0")/../../.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

npm run -s hpc:local-job -- --nodes 4 --shared-storage | tee "$log"
for node in 0 1 2 3; do
  grep -q "^node 0 | node ${node}/4 .*allreduce .*: OK$" "$log" || { echo "local job CI: no result line from node ${node}" >&2; exit 1; }
done
grep -q '^node 0 | \[node 0\] shared storage: all 4 nodes see the same /fsx$' "$log" || { echo "local job CI: the nodes did not share /fsx" >&2; exit 1; }

started=$SECONDS
if npm run -s hpc:local-job -- --nodes 3 --fail-node 2 >"$log" 2>&1; then
  cat "$log"
  echo "local job CI: --fail-node 2 exited 0" >&2
  exit 1
fi
cat "$log"
failed_after=$((SECONDS - started))
grep -q 'FAIL: node(s) 2 of 3 never registered' "$log" || { echo "local job CI: the failure does not name node 2" >&2; exit 1; }
[ "$failed_after" -lt 180 ] || { echo "local job CI: --fail-node took ${failed_after} s, more than 3 minutes" >&2; exit 1; }
if npm run -s hpc:local-job -- --nodes 2 --missing-key >"$log" 2>&1; then
  cat "$log"
  echo "local job CI: --missing-key exited 0" >&2
  exit 1
fi
cat "$log"
grep -q '^node 0 | \[node 0\] FAIL: cannot read the cluster SSH key file .*; refusing to start$' "$log" || { echo "local job CI: no refusal line for the missing key" >&2; exit 1; }

echo "local job CI: all runs behaved (pass with 4 nodes sharing /fsx; node 2 named after ${failed_after} s; no key refused)"
