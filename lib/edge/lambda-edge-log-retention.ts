import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { cfnResourceOf } from './cfn-resource';

/**
 * The Regions an account can use without opting in: those launched before 20 March 2019 ("Enable
 * or disable AWS Regions in your account":
 * https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html; which Regions
 * those are, and their opt-in status: https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html).
 *
 * Lambda@Edge logs in the Region nearest the edge location that ran it, and AWS documents no
 * list of those Regions, so retention is set in every Region an account has without opting in:
 * a Region the function never runs in just gets an empty log group. An opt-in Region the account
 * enabled is not covered; add it here (creating a log group in a Region the account has not
 * enabled would fail the deployment).
 */
export const DEFAULT_ENABLED_REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
] as const;

export interface LambdaEdgeLogRetentionProps {
  /** The Lambda@Edge function's name (it may be a token). */
  readonly functionName: string;
  /** The distribution the function is associated with (it may be a token). */
  readonly distributionId: string;
  /**
   * Where to set retention.
   * @default DEFAULT_ENABLED_REGIONS
   */
  readonly regions?: readonly string[];
  /**
   * How long entries are kept, as for every other log group of the project.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly retention?: logs.RetentionDays;
}

/**
 * Retention for the log groups Lambda@Edge creates outside the stack, in every Region it may run
 * in, which would otherwise keep their entries forever:
 * - `/aws/lambda/us-east-1.<function name>`: the function's own logs, in the Region where it ran
 *   (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-functions-logs.html);
 * - `/aws/cloudfront/LambdaEdge/<distribution id>`: CloudFront's validation errors for the
 *   function's responses, likewise per Region (Guide@5999c0d lambda-edge-testing-debugging.md,
 *   https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/lambda-edge-testing-debugging.html).
 *
 * A CloudFormation stack creates resources in its own Region only, so this uses aws-cdk-lib's
 * LogRetention custom resource, whose `logGroupRegion` creates the group where it is missing and
 * sets its retention in another Region. The groups are retained with the stack, like the
 * function that writes to them (its replicas outlive the stack by hours).
 */
export class LambdaEdgeLogRetention extends Construct {
  /** One per log group and Region. */
  public readonly retentions: logs.LogRetention[] = [];

  constructor(scope: Construct, id: string, props: LambdaEdgeLogRetentionProps) {
    super(scope, id);
    const retention = props.retention ?? logs.RetentionDays.ONE_YEAR;
    for (const region of props.regions ?? DEFAULT_ENABLED_REGIONS) {
      for (const [kind, logGroupName] of [
        ['Function', `/aws/lambda/us-east-1.${props.functionName}`],
        ['Validation', `/aws/cloudfront/LambdaEdge/${props.distributionId}`],
      ] as const) {
        this.retentions.push(
          new logs.LogRetention(this, `${kind}-${region}`, {
            logGroupName,
            logGroupRegion: region,
            retention,
            removalPolicy: RemovalPolicy.RETAIN,
          }),
        );
      }
    }
    acknowledgeProviderFindings(this);
  }
}

/** aws-cdk-lib's one LogRetention provider function per stack, by its fixed construct id. */
const LOG_RETENTION_PROVIDER_ID = 'LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a';

/**
 * aws-cdk-lib creates the provider function, its role and its policy; their findings are
 * acknowledged on each of them, with what the function does.
 */
function acknowledgeProviderFindings(scope: Construct): void {
  const provider = Stack.of(scope).node.tryFindChild(LOG_RETENTION_PROVIDER_ID);
  if (provider === undefined) return;
  const what = "aws-cdk-lib's LogRetention provider, run only while CloudFormation deploys, to set retention on Lambda@Edge's log groups";
  Validations.of(cfnResourceOf(provider)).acknowledge({
    id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
    reason: `${what}: it calls only the CloudWatch Logs API of other Regions, and this stack has no VPC to put it in.`,
  });
  const role = provider.node.tryFindChild('ServiceRole');
  if (role === undefined) return;
  Validations.of(cfnResourceOf(role)).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: `${what}: the managed policy only lets it write its own CloudWatch logs.`,
  });
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (policy === undefined) return;
  Validations.of(cfnResourceOf(policy)).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      `${what}: logs:PutRetentionPolicy and logs:DeleteRetentionPolicy granted by aws-cdk-lib on *, since the log groups are in ` +
      'other Regions and named after a function name known only at deploy time; it can change retention, never read or delete entries.',
  });
}
