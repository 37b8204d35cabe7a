import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IPolicyValidationContextBeta1, IPolicyValidationPluginBeta1, PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { CfnGuardRun, startCfnGuard } from './cfn-guard-run';

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

  /**
   * Starts cfn-guard on the templates in the background (see CfnGuardRun) and returns at once;
   * `validate` with the same templates then collects the result instead of starting over.
   */
  start(templatePaths: readonly string[]): void {
    this.running = { templatePaths: [...templatePaths], run: startCfnGuard(templatePaths, inapplicableRules(templatePaths)) };
  }

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const started = this.running;
    this.running = undefined;
    const sameTemplates = started !== undefined && sameMembers(started.templatePaths, context.templatePaths);
    const run = sameTemplates ? started.run : startCfnGuard(context.templatePaths, inapplicableRules(context.templatePaths));
    const reports = run.waitForReports();
    return { success: reports.every((report) => report.success), violations: reports.flatMap((report) => report.violations) };
  }

  /** The run `start` began, until `validate` collects it. */
  private running?: { readonly templatePaths: readonly string[]; readonly run: CfnGuardRun };
}

function sameMembers(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((item) => right.includes(item));
}

/** The rule names that cannot apply to the templates: every type they name is absent. */
export function inapplicableRules(templatePaths: readonly string[]): string[] {
  const present = resourceTypesIn(templatePaths);
  return controlTowerRuleFiles()
    .filter((rule) => rule.resourceTypes.length > 0 && !rule.resourceTypes.some((type) => present.has(type)))
    .map((rule) => rule.name);
}
