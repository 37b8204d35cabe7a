import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { IPolicyValidationContextBeta1, IPolicyValidationPluginBeta1, PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';

/** The AWS Control Tower proactive-control rules the cfn-guard plugin ships. */
const CONTROL_TOWER_RULES_DIR = path.join(
  path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
  'rules',
  'control-tower',
  'cfn-guard',
);

/** One rule file: its name (as the plugin's `disabledRules` takes it) and the resource types it names. */
interface GuardRuleFile {
  readonly name: string;
  readonly resourceTypes: readonly string[];
}

let ruleFiles: GuardRuleFile[] | undefined;

/** Every rule file under the Control Tower rules directory, read once per process. */
function controlTowerRuleFiles(): GuardRuleFile[] {
  if (ruleFiles === undefined) {
    ruleFiles = fs
      .readdirSync(CONTROL_TOWER_RULES_DIR, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.guard'))
      .map((entry) => {
        const text = fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
        return { name: path.parse(entry.name).name, resourceTypes: [...new Set(text.match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? [])] };
      });
  }
  return ruleFiles;
}

/** The resource types the templates hold. */
function resourceTypesIn(templatePaths: readonly string[]): Set<string> {
  const types = new Set<string>();
  for (const templatePath of templatePaths) {
    const template = JSON.parse(fs.readFileSync(templatePath, 'utf8')) as { Resources?: Record<string, { Type?: string }> };
    for (const resource of Object.values(template.Resources ?? {})) if (resource.Type) types.add(resource.Type);
  }
  return types;
}

/**
 * cfn-guard with every AWS Control Tower rule that can apply to the templates, and only those.
 *
 * Each Control Tower rule selects the resources it checks by type (`Resources.*[ Type == 'AWS::...' ]`)
 * and skips a template that has none of them. cfn-guard still parses and evaluates all 237 rule
 * files against every template, which made it the slowest step of `cdk synth` (about 6.7 s of
 * 17 s for this app). This plugin reads the types each rule file names and the types the
 * templates hold, and passes the rules that name none of the present types to the plugin's own
 * `disabledRules`. A rule that names no type at all always runs. Rules are never dropped for
 * any other reason, so the findings are the same as with every rule enabled (test/policy-gates.test.ts
 * compares both on the app's templates).
 */
export class ApplicableCfnGuardRules implements IPolicyValidationPluginBeta1 {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];

  constructor() {
    const allRules = new CfnGuardValidator();
    this.name = allRules.name;
    this.version = allRules.version;
    this.ruleIds = allRules.ruleIds;
  }

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const disabledRules = inapplicableRules(context.templatePaths);
    if (context.templatePaths.length < 2) return new CfnGuardValidator({ disabledRules }).validate(context);
    const reports = validateEachTemplateAtOnce(context.templatePaths, disabledRules);
    return { success: reports.every((report) => report.success), violations: reports.flatMap((report) => report.violations) };
  }
}

/**
 * One cfn-guard process per template, all at once, each started by the plugin's own code in a
 * worker thread, with the main thread waiting for all of them. The policy-validation API is
 * synchronous, and the plugin blocks on its cfn-guard process; a thread per template lets the
 * processes share the machine's cores instead of queueing (about 1 s saved on 2 cores).
 */
function validateEachTemplateAtOnce(templatePaths: readonly string[], disabledRules: string[]): PolicyValidationPluginReportBeta1[] {
  const resultDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-guard-'));
  const done = new Int32Array(new SharedArrayBuffer(4 * templatePaths.length));
  try {
    templatePaths.forEach((templatePath, index) => {
      const worker = new Worker(GUARD_THREAD_SOURCE, {
        eval: true,
        workerData: {
          pluginModule: require.resolve('@cdklabs/cdk-validator-cfnguard'),
          templatePath,
          disabledRules,
          resultFile: path.join(resultDirectory, `${index}.json`),
          done,
          index,
        },
      });
      worker.unref();
    });
    return templatePaths.map((templatePath, index) => {
      if (Atomics.wait(done, index, 0, GUARD_TIMEOUT_MS) === 'timed-out') {
        throw new Error(`cfn-guard did not finish checking ${templatePath} within ${GUARD_TIMEOUT_MS / 1000} s`);
      }
      const result = JSON.parse(fs.readFileSync(path.join(resultDirectory, `${index}.json`), 'utf8')) as
        { report: PolicyValidationPluginReportBeta1 } | { error: string };
      if ('error' in result) throw new Error(result.error);
      return result.report;
    });
  } finally {
    fs.rmSync(resultDirectory, { recursive: true, force: true });
  }
}

/** A check of several templates takes seconds; minutes means cfn-guard hangs. */
const GUARD_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * The worker thread: plain CommonJS (it runs outside ts-node and jest's transform), so it only
 * requires the plugin package. It always writes a result and signals, so the main thread never
 * waits on a thread that failed.
 */
const GUARD_THREAD_SOURCE = `
const fs = require('node:fs');
const { workerData } = require('node:worker_threads');
let result;
try {
  const { CfnGuardValidator } = require(workerData.pluginModule);
  const validator = new CfnGuardValidator({ disabledRules: workerData.disabledRules });
  result = { report: validator.validate({ templatePaths: [workerData.templatePath] }) };
} catch (error) {
  result = { error: String(error && error.message ? error.message : error) };
}
fs.writeFileSync(workerData.resultFile, JSON.stringify(result));
Atomics.store(workerData.done, workerData.index, 1);
Atomics.notify(workerData.done, workerData.index);
`;

/** The rule names that cannot apply to the templates: every type they name is absent. */
export function inapplicableRules(templatePaths: readonly string[]): string[] {
  const present = resourceTypesIn(templatePaths);
  return controlTowerRuleFiles()
    .filter((rule) => rule.resourceTypes.length > 0 && !rule.resourceTypes.some((type) => present.has(type)))
    .map((rule) => rule.name);
}
