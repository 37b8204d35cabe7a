import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { embedRoutes } from '../lambda-edge/cf-function/generate';
import type { RoutesTable } from '../lambda-edge/geo-router/routes-table';
import { loadConfig } from '../lib/config';
import { EdgeStack } from '../lib/edge/edge-stack';
import { SHIPPED_EDGE_SOURCES, type EdgeRuntimeSources } from '../lib/edge/edge-sources';
import { HpcClusterStack } from '../lib/hpc/hpc-cluster-stack';
import { addPolicyGates } from '../lib/shared/policy-gates';

const ROOT = path.join(__dirname, '..');
const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context;
/** Generated edge runtimes must live inside the project: NodejsFunction bundles from the project's lock file. */
const WORK_DIR = path.join(ROOT, 'bench', '.work');

/** CloudFormation's own limits for one template. */
export const CLOUDFORMATION_LIMITS = { resources: 500, templateBytes: 1_000_000 } as const;

export interface TemplateSize {
  readonly label: string;
  readonly resources: number;
  readonly templateBytes: number;
}

export interface TemplateGrowthFigures {
  readonly hpc: TemplateSize[];
  readonly edgeLambdaEdge: TemplateSize[];
  readonly edgeCloudFrontFunction: TemplateSize[];
}

/** Synthesizes the HPC stack at several node counts and the edge stack with routing tables of several sizes. */
export function runTemplateGrowth(nodeCounts = [2, 16, 256, 1000], countryCounts = [1, 30, 250]): TemplateGrowthFigures {
  fs.rmSync(WORK_DIR, { recursive: true, force: true });
  try {
    const hpc = nodeCounts.map((nodes) =>
      measure(`${nodes} nodes`, (app) => new HpcClusterStack(app, 'HpcClusterStack', { hpc: configWith(app, { 'hpc.nodes': nodes }).hpc })),
    );
    const edge = (mode: string) =>
      countryCounts.map((countries) => {
        const sources = edgeSourcesFor(syntheticRoutes(countries));
        return measure(
          `${countries} countries`,
          (app) =>
            new EdgeStack(app, 'EdgeStack', { edge: configWith(app, { 'edge.mode': mode }).edge, sources, env: { region: 'us-east-1' } }),
        );
      });
    return { hpc, edgeLambdaEdge: edge('lambda-edge'), edgeCloudFrontFunction: edge('cloudfront-function') };
  } finally {
    fs.rmSync(WORK_DIR, { recursive: true, force: true });
  }
}

function configWith(app: App, values: Record<string, unknown>) {
  return loadConfig({ ...app.node.getAllContext(), ...values });
}

/** One stack in an app with the policy gates, synthesized; its template measured. */
function measure(label: string, build: (app: App) => Stack): TemplateSize {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-growth-')), context: CDK_JSON_CONTEXT });
  addPolicyGates(app);
  const stack = build(app);
  const assembly = app.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as { Resources: Record<string, unknown> };
  fs.rmSync(assembly.directory, { recursive: true, force: true });
  return { label, resources: Object.keys(template.Resources).length, templateBytes: Buffer.byteLength(JSON.stringify(template)) };
}

/** A table of `count` two-letter codes spread over ten variants (AA, AB, ... in order). */
export function syntheticRoutes(count: number): RoutesTable {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const countries: Record<string, string> = {};
  for (let index = 0; index < count; index++) {
    countries[letters[Math.floor(index / 26)] + letters[index % 26]] = `variant-${index % 10}`;
  }
  return { defaultVariant: 'global', countries };
}

/** A copy of the edge runtime built on `table`: routes.json beside the handler, and the function with it embedded. */
function edgeSourcesFor(table: RoutesTable): EdgeRuntimeSources {
  fs.mkdirSync(WORK_DIR, { recursive: true });
  const dir = fs.mkdtempSync(path.join(WORK_DIR, 'edge-'));
  const handlerDir = path.dirname(SHIPPED_EDGE_SOURCES.lambdaEdgeEntry);
  for (const file of fs.readdirSync(handlerDir).filter((name) => name.endsWith('.ts'))) {
    fs.copyFileSync(path.join(handlerDir, file), path.join(dir, file));
  }
  const routesFile = path.join(dir, 'routes.json');
  fs.writeFileSync(routesFile, `${JSON.stringify(table, null, 2)}\n`);
  const cloudFrontFunctionFile = path.join(dir, 'geo-router.js');
  fs.writeFileSync(cloudFrontFunctionFile, embedRoutes(fs.readFileSync(SHIPPED_EDGE_SOURCES.cloudFrontFunctionFile, 'utf8'), table));
  // The key value store function carries no table: the shipped file serves any table.
  return {
    routesFile,
    lambdaEdgeEntry: path.join(dir, 'index.ts'),
    cloudFrontFunctionFile,
    keyValueStoreFunctionFile: SHIPPED_EDGE_SOURCES.keyValueStoreFunctionFile,
  };
}
