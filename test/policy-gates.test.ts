import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  App,
  CloudFormationValidatePlugin,
  IPolicyValidationContextBeta1,
  PolicyValidationPluginReportBeta1,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ApplicableCfnGuardRules, inapplicableRules } from '../lib/shared/applicable-cfn-guard-rules';
import { addPolicyGates } from '../lib/shared/policy-gates';
import { CDK_JSON_CONTEXT } from './support/synth';

/** A stack with two log groups that each break the same Control Tower rules (no KMS key, short retention). */
function appWithTwoNonCompliantLogGroups(acknowledgeFirst: boolean): App {
  const app = new App({ context: CDK_JSON_CONTEXT });
  addPolicyGates(app);
  const stack = new Stack(app, 'GateTest');
  const first = new logs.LogGroup(stack, 'First', { retention: logs.RetentionDays.ONE_DAY });
  new logs.LogGroup(stack, 'Second', { retention: logs.RetentionDays.ONE_DAY });
  if (acknowledgeFirst) {
    for (const id of ['cloudwatch_log_group_retention_period_check', 'cloudwatch_log_group_encrypted_check']) {
      Validations.of(first).acknowledge({ id: `cdk-validator-cfnguard::${id}`, reason: 'test: only the first group is acknowledged' });
    }
  }
  return app;
}

function synthError(app: App): string {
  try {
    app.synth();
  } catch (error) {
    return String(error);
  }
  throw new Error('synthesis passed the policy gates');
}

test('an unacknowledged cfn-guard finding fails synthesis and names the construct', () => {
  const message = synthError(appWithTwoNonCompliantLogGroups(false));
  expect(message).toContain('GateTest/First/Resource');
  expect(message).toContain('GateTest/Second/Resource');
  expect(message).toContain("Acknowledge with 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check'");
});

test('acknowledging one construct does not let the same finding on another construct pass', () => {
  // Regression: without FindingsAreErrors, aws-cdk-lib 2.276 reports this app as passing.
  const message = synthError(appWithTwoNonCompliantLogGroups(true));
  expect(message).toContain('GateTest/Second/Resource');
  expect(message).not.toContain('GateTest/First/Resource');
});

describe('cfn-guard runs only the Control Tower rules that can apply to the templates', () => {
  /** A template of several resource types, each breaking some Control Tower rule, synthesized without the gates. */
  function nonCompliantTemplatePaths(): { app: App; templatePaths: string[] } {
    const app = new App({
      context: CDK_JSON_CONTEXT,
      outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'guard-rules-')),
      builtinCloudFormationValidation: false,
    });
    const stack = new Stack(app, 'GuardRules');
    new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.ONE_DAY });
    new s3.CfnBucket(stack, 'Bucket');
    new sqs.CfnQueue(stack, 'Queue');
    new ec2.CfnSecurityGroup(stack, 'Group', {
      groupDescription: 'open',
      securityGroupIngress: [{ ipProtocol: 'tcp', fromPort: 22, toPort: 22, cidrIp: '0.0.0.0/0' }],
    });
    const assembly = app.synth();
    return { app, templatePaths: assembly.stacks.map((artifact) => path.join(assembly.directory, artifact.templateFile)) };
  }

  const findings = (report: PolicyValidationPluginReportBeta1) =>
    report.violations
      .flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} ${resource.resourceLogicalId}`))
      .sort();

  test('the findings equal those of every rule, on templates that break rules of several resource types', () => {
    const { app, templatePaths } = nonCompliantTemplatePaths();
    // What the plugins read of the context: the template files (the rest is for other plugins).
    const context = { templatePaths, appConstruct: app } as unknown as IPolicyValidationContextBeta1;
    const everyRule = findings(new CfnGuardValidator().validate(context));
    expect(everyRule.length).toBeGreaterThan(4);
    expect(findings(new ApplicableCfnGuardRules().validate(context))).toEqual(everyRule);
  });

  test('a rule stays enabled when it names any resource type the templates hold, and every other rule is left out', () => {
    const { templatePaths } = nonCompliantTemplatePaths();
    const skipped = inapplicableRules(templatePaths);
    const ruleIdOf = (file: string) => path.parse(file).name;
    expect(skipped).not.toContain(ruleIdOf('ct-cloudwatch-pr-2.guard')); // names AWS::Logs::LogGroup: kept
    expect(skipped).toContain(ruleIdOf('ct-cloudwatch-pr-1.guard')); // names only AWS::CloudWatch::Alarm: left out
    expect(skipped).toContain(ruleIdOf('ct-dynamodb-pr-1.guard')); // no table here: left out
    expect(skipped.length).toBeGreaterThan(150);
  });
});

describe('the three gates run in one synthesis, whatever order they are registered in', () => {
  /** A queue with a property CloudFormation does not know: only CloudFormation Validate can see it. */
  function appWithUnknownProperty(): App {
    const app = new App({ context: CDK_JSON_CONTEXT, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'gate-order-')) });
    addPolicyGates(app);
    const stack = new Stack(app, 'GateOrder');
    new sqs.CfnQueue(stack, 'Queue', { sqsManagedSseEnabled: true }).addPropertyOverride('NoSuchProperty', 1);
    return app;
  }

  test('a CloudFormation Validate finding (an unknown property) fails synthesis and names the construct', () => {
    const message = synthError(appWithUnknownProperty());
    expect(message).toContain('CloudFormation Validate');
    expect(message).toContain('GateOrder/Queue');
    expect(message).toContain('NoSuchProperty');
  });

  test('cfn-guard is started before cdk-nag and CloudFormation Validate and its findings are collected after them', () => {
    const spies = {
      cfnGuardStart: jest.spyOn(ApplicableCfnGuardRules.prototype, 'start'),
      cdkNag: jest.spyOn(AwsSolutionsChecks.prototype, 'validate'),
      cloudFormationValidate: jest.spyOn(CloudFormationValidatePlugin.prototype, 'validate'),
      cfnGuardCollect: jest.spyOn(ApplicableCfnGuardRules.prototype, 'validate'),
    };
    try {
      expect(synthError(appWithTwoNonCompliantLogGroups(false))).toContain('cloudwatch_log_group_retention_period_check');
      const order = Object.entries(spies)
        .map(([name, spy]) => [name, spy.mock.invocationCallOrder] as const)
        .sort(([, left], [, right]) => left[0] - right[0]);
      expect(order).toEqual([
        ['cfnGuardStart', [expect.any(Number)]],
        ['cdkNag', [expect.any(Number)]],
        ['cloudFormationValidate', [expect.any(Number)]],
        ['cfnGuardCollect', [expect.any(Number)]],
      ]);
    } finally {
      Object.values(spies).forEach((spy) => spy.mockRestore());
    }
  });
});
