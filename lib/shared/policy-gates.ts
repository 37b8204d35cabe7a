import {
  App,
  IPolicyValidationContextBeta1,
  IPolicyValidationPluginBeta1,
  PolicyValidationPluginReportBeta1,
  Validations,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApplicableCfnGuardRules } from './applicable-cfn-guard-rules';

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
 */
export function addPolicyGates(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }),
    new FindingsAreErrors(new ApplicableCfnGuardRules()),
  );
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
