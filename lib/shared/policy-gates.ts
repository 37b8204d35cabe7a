import {
  App,
  CloudFormationValidatePlugin,
  IPolicyValidationContextBeta1,
  IPolicyValidationPluginBeta1,
  PolicyValidationPluginReportBeta1,
  Validations,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApplicableCfnGuardRules } from './applicable-cfn-guard-rules';

/**
 * CloudFormation Validate, one instance per process, as aws-cdk-lib's own default is: its rule
 * engine takes seconds to start and is kept for later syntheses in the same process (tests).
 */
const cloudFormationValidate = new CloudFormationValidatePlugin();

/**
 * Registers the policy gates that every stack of the app passes, in `cdk synth` and in the
 * tests alike (both build the app through `buildApp`):
 * - CloudFormation Validate: aws-cdk-lib's own rules; cdk.json's
 *   `@aws-cdk/core:validateAgainstDefaultRules` feature flag makes its findings errors.
 * - cdk-nag AwsSolutions: best practices per resource; acknowledgements are also written to
 *   each resource's template metadata, so the audit trail ships with the template.
 * - cfn-guard with the AWS Control Tower proactive-control rules (those that can apply to the
 *   templates' resource types: ApplicableCfnGuardRules).
 *
 * Any unacknowledged finding makes synthesis fail with "Validation failed" and the construct
 * path of each finding. Acknowledge with `Validations.of(narrowestConstruct).acknowledge(...)`.
 *
 * The order is for speed, not meaning: aws-cdk-lib runs the plugins one after another, in the
 * order registered, with its default CloudFormation Validate last unless the app registers it.
 * cfn-guard is started first, in the background, so that its processes run on the other core
 * while cdk-nag and CloudFormation Validate keep the main thread busy; its findings are
 * collected last.
 */
export function addPolicyGates(app: App): void {
  const cfnGuard = new ApplicableCfnGuardRules();
  Validations.of(app).addPlugins(
    new StartInBackground(cfnGuard),
    new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }),
    cloudFormationValidate,
    new FindingsAreErrors(cfnGuard),
  );
}

/**
 * Starts cfn-guard and reports nothing: its findings come from the ApplicableCfnGuardRules
 * plugin registered after it. Named after cfn-guard so that the validation report reads right.
 */
class StartInBackground implements IPolicyValidationPluginBeta1 {
  public readonly name: string;

  constructor(private readonly cfnGuard: ApplicableCfnGuardRules) {
    this.name = `${cfnGuard.name} (started in the background)`;
  }

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    this.cfnGuard.start(context.templatePaths);
    return { success: true, violations: [] };
  }
}

/**
 * Marks every finding of the wrapped plugin as an error.
 *
 * Why: once any finding of a plugin is acknowledged, aws-cdk-lib (2.276) recomputes that
 * plugin's verdict as "no remaining finding has severity error". cfn-guard leaves severity
 * unset, so a single acknowledgement would let every other cfn-guard finding pass silently.
 */
export class FindingsAreErrors implements IPolicyValidationPluginBeta1 {
  public readonly name: string;
  public readonly version?: string;
  public readonly ruleIds?: string[];

  constructor(private readonly plugin: IPolicyValidationPluginBeta1) {
    this.name = plugin.name;
    this.version = plugin.version;
    this.ruleIds = plugin.ruleIds;
  }

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const report = this.plugin.validate(context);
    return {
      ...report,
      violations: report.violations.map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })),
    };
  }
}
