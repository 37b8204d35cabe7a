import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFabricCheck, readNodeFabric } from '../../../tools/smoke/hpc/fabric-check-log';
import { HEALTHY_MAIN_LOG } from './fixtures';

const ROOT = path.join(__dirname, '..', '..', '..');
const source = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

test('reads the ping-pong figures, one result per node and the verdict from the main node', () => {
  expect(readFabricCheck(HEALTHY_MAIN_LOG)).toEqual({
    pingPong: { peerRank: 36, latencyUs: 15.73, bandwidthMBps: 10843.2 },
    pingPongProblem: undefined,
    nodes: [
      { node: 0, of: 2, host: 'ip-10-0-3-17', ok: true },
      { node: 1, of: 2, host: 'ip-10-0-3-42', ok: true },
    ],
    verdict: { pass: true, ranks: 72, nodes: 2 },
  });
});

test("reads a node's EFA providers and its own failure line, never another node's", () => {
  expect(readNodeFabric(0, HEALTHY_MAIN_LOG)).toEqual({ node: 0, providers: [{ provider: 'efa', domain: 'rdmap0s6-rdm' }] });
  expect(
    readNodeFabric(2, [
      '[node 2] fi_info -p efa (EFA interfaces on this node: 1)',
      'fi_getinfo: -61 (No data available)',
      "[node 2] FAIL: libfabric has no efa provider here: check the job definition's /dev/infiniband/uverbs* devices",
      '[node 0] FAIL: something of node 0',
    ]),
  ).toEqual({
    node: 2,
    providers: [],
    failure: "libfabric has no efa provider here: check the job definition's /dev/infiniband/uverbs* devices",
  });
});

test('corrupt bytes and a one-node job are problems, not figures', () => {
  expect(readFabricCheck(['ping-pong rank 0 <-> rank 36: FAIL: corrupt bytes']).pingPongProblem).toBe('corrupt bytes');
  expect(readFabricCheck(['ping-pong: skipped, every rank is on one node']).pingPongProblem).toBe('every rank is on one node');
});

describe('the patterns follow the programs that print the lines', () => {
  const program = source('hpc-job/programs/mpi-fabric-check.c');
  const entryPoint = source('hpc-job/mnp-run.sh');

  test.each([
    'ping-pong rank 0 <-> rank %d: %d B latency %.2f us, %d B bandwidth %.1f MB/s\\n',
    'ping-pong rank 0 <-> rank %d: FAIL: corrupt bytes\\n',
    'ping-pong: skipped, every rank is on one node\\n',
    'node %d/%d %s (ranks %d-%d): allreduce sum %ld, expected %ld: %s\\n',
    'fabric check: %s (%d ranks on %d nodes)\\n',
  ])('mpi-fabric-check.c prints "%s"', (format) => {
    expect(program).toContain(format);
  });

  test("mnp-run.sh prefixes each node's fi_info provider and domain, and its failures, with [node N]", () => {
    expect(entryPoint).toContain(
      `grep -E '^ *(provider|domain):' "$STATE/fi_info" | tr -s ' ' | paste -d ' ' - - | sort -u | sed "s/^/[node \${INDEX}]  /"`,
    );
    expect(entryPoint).toContain('log() { echo "[node ${INDEX}] $*"; }');
    expect(entryPoint).toContain('log "FAIL: $*" >&2');
  });

  test('the local job checks the same result line per node', () => {
    expect(source('test/hpc/local-job/ci.sh')).toContain('"^node 0 | node ${node}/4 .*allreduce .*: OK$"');
  });
});
