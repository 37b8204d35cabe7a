import { App, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
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
