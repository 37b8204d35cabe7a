import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { addHpcClusterStack, buildApp, DistributedComputeStacks } from '../../lib/app';
import type { HpcClusterStack } from '../../lib/hpc/hpc-cluster-stack';
import { AppConfig, loadConfig } from '../../lib/config';
import { addPolicyGates } from '../../lib/shared/policy-gates';

/** cdk.json's context: the tests run with the same feature flags as `cdk synth`. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'),
).context;

interface ValidationReport {
  pluginReports: { pluginName: string; conclusion: string; violations: { ruleName: string }[] }[];
}

export interface SynthesizedApp {
  readonly stacks: DistributedComputeStacks;
  readonly assembly: CloudAssembly;
  /** Every finding no acknowledgement covers, as `plugin: rule`; must be empty. */
  readonly unacknowledgedFindings: string[];
  /** The synthesized template of one stack (from this synthesis: no second synth). */
  template(stack: Stack): Template;
}

/**
 * Builds the app exactly as bin/app.ts does (config from context, policy gates, stacks) with
 * extra context on top of cdk.json's, and synthesizes it once. Synthesis throws if a policy
 * gate fails; the validation report is read as well, so a gate that reports a finding without
 * failing is caught too.
 */
export function synthesize(context: Record<string, unknown> = {}): SynthesizedApp {
  // npm run bench counts the syntheses of a test run through this file.
  if (process.env.SYNTH_COUNT_FILE) fs.appendFileSync(process.env.SYNTH_COUNT_FILE, `${JSON.stringify(context)}\n`);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-test-'));
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, ...context } });
  const stacks = buildApp(app);
  const assembly = app.synth();
  return {
    stacks,
    assembly,
    unacknowledgedFindings: readUnacknowledgedFindings(assembly.directory),
    template: (stack) => Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template),
  };
}

/**
 * Only the HPC stack, through the same config, gates and stack builder as the app: for tests
 * that vary an HPC setting and need no other stack (a third of the time of a whole app).
 */
export function synthesizeHpcStack(context: Record<string, unknown> = {}): SynthesizedStack<HpcClusterStack> {
  return synthesizeStack(addHpcClusterStack, context);
}

/** One stack of the app, synthesized alone (see synthesizeStack). */
export interface SynthesizedStack<S extends Stack> {
  readonly stack: S;
  readonly template: Template;
  /** Empty when the policy gates did not run. */
  readonly unacknowledgedFindings: string[];
  /** The cloud assembly directory (assets are staged there). */
  readonly assemblyDirectory: string;
}

/**
 * One stack, built by the app's own builder (`addEdgeStack`, `addWorkerFleetStack`, ...) from
 * the config the context gives: for tests that synthesize many configurations of one stack and
 * need no other. The policy gates run unless `policyGates: false` (they take most of a synth's
 * time, and change nothing in the template but the acknowledgements' metadata).
 */
export function synthesizeStack<S extends Stack>(
  addStack: (app: App, config: AppConfig) => S,
  context: Record<string, unknown> = {},
  options: { readonly policyGates?: boolean } = {},
): SynthesizedStack<S> {
  if (process.env.SYNTH_COUNT_FILE)
    fs.appendFileSync(process.env.SYNTH_COUNT_FILE, `${JSON.stringify({ only: addStack.name, ...context })}\n`);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-test-'));
  const policyGates = options.policyGates ?? true;
  // Without the gates, CloudFormation Validate (aws-cdk-lib's built-in gate) is off too: its
  // engine takes seconds to start in each test file.
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, ...context }, builtinCloudFormationValidation: policyGates });
  if (policyGates) addPolicyGates(app);
  const stack = addStack(app, loadConfig(app.node.getAllContext()));
  const assembly = app.synth();
  return {
    stack,
    template: Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template),
    unacknowledgedFindings: policyGates ? readUnacknowledgedFindings(assembly.directory) : [],
    assemblyDirectory: assembly.directory,
  };
}

function readUnacknowledgedFindings(assemblyDirectory: string): string[] {
  const report: ValidationReport = JSON.parse(fs.readFileSync(path.join(assemblyDirectory, 'validation-report.json'), 'utf8'));
  return report.pluginReports.flatMap((plugin) => plugin.violations.map((violation) => `${plugin.pluginName}: ${violation.ruleName}`));
}

/** The resources of one type in a template, by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, { Properties: Record<string, any> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, any> }>;
}

/** The single resource of a type; fails the test when there are none or several. */
export function onlyResource(template: Template, type: string): { Properties: Record<string, any> } {
  const found = Object.values(resourcesOfType(template, type));
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

/** An acknowledgement as cdk-nag writes it into a resource's template metadata. */
export interface WrittenAcknowledgement {
  readonly id: string;
  readonly reason: string;
}

/** The acknowledgements written to one resource, or to every resource of the template. */
export function acknowledgementsIn(template: Template, logicalId?: string): WrittenAcknowledgement[] {
  const resources = template.toJSON().Resources as Record<
    string,
    { Metadata?: { cdk_nag?: { rules_to_suppress?: WrittenAcknowledgement[] } } }
  >;
  const selected = logicalId === undefined ? Object.values(resources) : [resources[logicalId]];
  return selected.flatMap((resource) => resource?.Metadata?.cdk_nag?.rules_to_suppress ?? []);
}

/** The audit trail ships with the template: there is one, and every entry says why. */
export function expectEveryAcknowledgementToGiveAReason(template: Template): void {
  const acknowledgements = acknowledgementsIn(template);
  expect(acknowledgements.length).toBeGreaterThan(0);
  for (const acknowledgement of acknowledgements) expect(acknowledgement.reason).toMatch(/\w{4,}.*\w{4,}/);
}
