/**
 * Reads what the fabric check prints into its log. The lines come from two programs of the job
 * image, and these patterns follow their exact output:
 * - hpc-job/mnp-run.sh, on every node: `[node N]  provider: efa  domain: rdmap0s6-rdm` for each
 *   libfabric provider and domain `fi_info -p efa` lists, and `[node N] FAIL: <why>` when it gives up;
 * - hpc-job/programs/mpi-fabric-check.c, through mpirun on the main node: the ping-pong line, one
 *   result line per node and the verdict.
 * test/tools/smoke/fabric-check-log.test.ts holds the patterns to the printf formats of the C
 * file and to the lines the local job (test/hpc/local-job/ci.sh) checks.
 */

/** What one node's log says about its fabric. */
export interface NodeFabric {
  readonly node: number;
  /** libfabric providers `fi_info -p efa` found, with their domains (one per EFA device). */
  readonly providers: readonly { readonly provider: string; readonly domain: string }[];
  /** The node's own `FAIL:` line, when its entry point gave up. */
  readonly failure?: string;
}

/** What the main node's log says about the whole job. */
export interface FabricCheckResult {
  /** 8-byte one-way latency and 1 MiB bandwidth between rank 0 and the first rank of another node. */
  readonly pingPong?: { readonly peerRank: number; readonly latencyUs: number; readonly bandwidthMBps: number };
  /** Why the ping-pong gave no figures: corrupt bytes, or every rank on one node. */
  readonly pingPongProblem?: string;
  /** One line per node, in node order. */
  readonly nodes: readonly { readonly node: number; readonly of: number; readonly host: string; readonly ok: boolean }[];
  readonly verdict?: { readonly pass: boolean; readonly ranks: number; readonly nodes: number };
}

const PROVIDER = /^\[node (\d+)\]\s+provider: (\S+)\s+domain: (\S+)/;
const NODE_FAILURE = /^\[node (\d+)\] FAIL: (.*)$/;
const PING_PONG = /^ping-pong rank 0 <-> rank (\d+): \d+ B latency ([\d.]+) us, \d+ B bandwidth ([\d.]+) MB\/s$/;
const PING_PONG_CORRUPT = /^ping-pong rank 0 <-> rank \d+: FAIL: (.*)$/;
const PING_PONG_SKIPPED = /^ping-pong: skipped, (.*)$/;
const NODE_RESULT = /^node (\d+)\/(\d+) (\S+) \(ranks \d+-\d+\): allreduce sum -?\d+, expected -?\d+: (OK|FAIL)$/;
const VERDICT = /^fabric check: (PASS|FAIL) \((\d+) ranks on (\d+) nodes\)$/;

/** One node's fabric, from its own log stream. */
export function readNodeFabric(node: number, lines: readonly string[]): NodeFabric {
  const providers: { provider: string; domain: string }[] = [];
  let failure: string | undefined;
  for (const line of lines.map((text) => text.trim())) {
    const provider = PROVIDER.exec(line);
    if (provider && Number(provider[1]) === node) providers.push({ provider: provider[2], domain: provider[3] });
    const failed = NODE_FAILURE.exec(line);
    if (failed && Number(failed[1]) === node) failure = failed[2];
  }
  return { node, providers, ...(failure !== undefined && { failure }) };
}

/** The job's result, from the main node's log stream (mpirun gathers every rank's output there). */
export function readFabricCheck(lines: readonly string[]): FabricCheckResult {
  let pingPong: FabricCheckResult['pingPong'];
  let pingPongProblem: string | undefined;
  const nodes: FabricCheckResult['nodes'][number][] = [];
  let verdict: FabricCheckResult['verdict'];
  for (const line of lines.map((text) => text.trim())) {
    let match = PING_PONG.exec(line);
    if (match) pingPong = { peerRank: Number(match[1]), latencyUs: Number(match[2]), bandwidthMBps: Number(match[3]) };
    match = PING_PONG_CORRUPT.exec(line) ?? PING_PONG_SKIPPED.exec(line);
    if (match) pingPongProblem = match[1];
    match = NODE_RESULT.exec(line);
    if (match) nodes.push({ node: Number(match[1]), of: Number(match[2]), host: match[3], ok: match[4] === 'OK' });
    match = VERDICT.exec(line);
    if (match) verdict = { pass: match[1] === 'PASS', ranks: Number(match[2]), nodes: Number(match[3]) };
  }
  return { pingPong, pingPongProblem, nodes, verdict };
}
