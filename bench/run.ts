/**
 * `npm run bench`: every benchmark of the project in one run, printed as a table and written to
 * bench/RESULTS.md. Figures are medians of several runs, measured side by side in this run;
 * machines are shared and noisy, so compare ratios, not absolute numbers.
 *
 * BENCH_TEST_RUNS sets how many times the whole test suite runs (default 1: one run takes about
 * a minute and a half on 2 cores, and the whole benchmark must stay under five minutes).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatEdgeBenchTable, runEdgeBenchmark } from './edge-bench';
import { runMain } from './support/stats';
import { runSynthBenchmark, SynthBenchFigures } from './synth-bench';
import { CLOUDFORMATION_LIMITS, runTemplateGrowth, TemplateGrowthFigures, TemplateSize } from './template-growth';
import { runTestSuiteBenchmark, TestSuiteFigures } from './test-suite-bench';
import { formatWorkerBenchTable, runWorkerBenchmark } from './worker-bench';

const RESULTS_FILE = path.join(__dirname, 'RESULTS.md');

async function main(): Promise<string> {
  const started = Date.now();
  const step = (name: string) => process.stderr.write(`bench: ${name} (${Math.round((Date.now() - started) / 1000)} s)\n`);

  step('cdk synth, whole app vs empty app');
  const synth = runSynthBenchmark(5);
  step('template growth');
  const growth = runTemplateGrowth();
  step('test suite');
  const suite = runTestSuiteBenchmark(Number(process.env.BENCH_TEST_RUNS ?? 1));
  step('worker poller vs bare loop');
  const worker = await runWorkerBenchmark({ messages: 1_000, runs: 5 });
  step('edge routing');
  const edge = await runEdgeBenchmark({ runs: 5 });
  step('done');

  const report = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown CPU'}, ` +
      `${Math.round((Date.now() - started) / 1000)} s in all.`,
    '',
    formatSynth(synth),
    formatSuite(suite),
    formatGrowth(growth),
    '## Worker: poller vs bare receive loop',
    '',
    formatWorkerBenchTable(worker),
    '',
    '## Edge routing',
    '',
    formatEdgeBenchTable(edge),
    '',
  ].join('\n');
  fs.writeFileSync(RESULTS_FILE, report);
  return `${report}\nWritten to ${path.relative(process.cwd(), RESULTS_FILE)}.`;
}

function formatSynth(figures: SynthBenchFigures): string {
  return [
    `## \`cdk synth\`: whole app vs an empty app (median of ${figures.runs})`,
    '',
    '| app | seconds |',
    '|---|---:|',
    `| whole app: 3 stacks, bundling, 3 policy gates | ${figures.fullAppSeconds.toFixed(2)} |`,
    `| one empty stack (the floor: CLI, ts-node, aws-cdk-lib) | ${figures.emptyAppSeconds.toFixed(2)} |`,
    `| **ratio** | **${figures.ratio.toFixed(2)}x** (goal: at most 1.5x) |`,
    '',
  ].join('\n');
}

function formatSuite(figures: TestSuiteFigures): string {
  return [
    `## Test suite (${figures.runs === 1 ? 'one run' : `median of ${figures.runs} runs`})`,
    '',
    `${figures.tests} tests in ${figures.seconds.toFixed(1)} s (jest only; \`npm test\` adds the tsc type check), ` +
      `${figures.synths} app configurations synthesized through test/support/synth.ts.`,
    '',
  ].join('\n');
}

function formatGrowth(figures: TemplateGrowthFigures): string {
  const rows = (stack: string, sizes: TemplateSize[]) =>
    sizes.map((size) => `| ${stack} | ${size.label} | ${size.resources} | ${size.templateBytes.toLocaleString('en-US')} |`);
  return [
    `## Template growth (CloudFormation limits: ${CLOUDFORMATION_LIMITS.resources} resources, ${CLOUDFORMATION_LIMITS.templateBytes.toLocaleString('en-US')} bytes)`,
    '',
    '| stack | scale | resources | template bytes |',
    '|---|---|---:|---:|',
    ...rows('HpcClusterStack', figures.hpc),
    ...rows('EdgeStack, lambda-edge', figures.edgeLambdaEdge),
    ...rows('EdgeStack, cloudfront-function', figures.edgeCloudFrontFunction),
    '',
    'Node count only changes numbers inside the template (vCPU limits, node ranges). In lambda-edge mode the routing table',
    'lives in the function bundle (an asset), so the template does not move; a CloudFront Function carries its code inline,',
    'so its template grows by the table while the resource count stays put.',
    '',
  ].join('\n');
}

if (require.main === module) {
  runMain(main, (report) => report);
}
