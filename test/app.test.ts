import { synthesize } from './support/synth';

/**
 * The whole app as bin/app.ts builds it (buildApp: config, policy gates, all three stacks in one
 * app): every other test synthesizes one stack alone, so this is the one that sees them together.
 */
test('the whole app synthesizes its three stacks with zero unacknowledged policy findings', () => {
  const app = synthesize();
  expect(app.assembly.stacks.map((stack) => stack.stackName).sort()).toEqual(['EdgeStack', 'HpcClusterStack', 'WorkerFleetStack']);
  expect(app.unacknowledgedFindings).toEqual([]);
}, 120_000);
