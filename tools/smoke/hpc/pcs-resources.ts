import { type CloudControlClient, GetResourceCommand } from '@aws-sdk/client-cloudcontrol';
import { asIamAction } from '../../shared/failure-line';
import { type CheckRow, fail, pass } from '../check-result';

/**
 * One PCS resource of the stack, read through Cloud Control API (the SDK has no PCS client this
 * project can install). Cloud Control reads a resource by its schema's primary identifier, which
 * is the ARN for AWS::PCS::Cluster, AWS::PCS::ComputeNodeGroup and AWS::PCS::Queue, and returns its
 * properties as JSON, Status among them (the resource type schemas in the CloudFormation registry,
 * `aws cloudformation describe-type --type RESOURCE --type-name AWS::PCS::Cluster`, as
 * hashicorp/terraform-provider-awscc keeps them in internal/service/cloudformation/schemas/AWS_PCS_*.json:
 * primaryIdentifier, readOnlyProperties Status and ErrorInfo, handlers.read.permissions). It calls the type's read handler with the
 * caller's credentials when no RoleArn is given
 * (https://docs.aws.amazon.com/cloudcontrolapi/latest/APIReference/API_GetResource.html), so the
 * caller needs the handler's permissions too: pcs:Get<Type> and pcs:ListTagsForResource.
 */
export interface PcsResource {
  /** The row's name: `PCS cluster`, `compute node group`, ... */
  readonly check: string;
  readonly typeName: 'AWS::PCS::Cluster' | 'AWS::PCS::ComputeNodeGroup' | 'AWS::PCS::Queue';
  readonly arn: string;
}

/**
 * The one status in which a PCS resource is ready. The others the schemas list are CREATING,
 * UPDATING, DELETING and the *_FAILED states; AWS PCS adds SUSPENDING and SUSPENDED for a cluster
 * whose Slurm version reached its end of life (AWS::PCS::Cluster return values:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-pcs-cluster.html).
 */
const ACTIVE = 'ACTIVE';

/** The properties the check reads. */
interface PcsProperties {
  readonly Status?: string;
  readonly ErrorInfo?: readonly { readonly Code?: string; readonly Message?: string }[];
}

/** A row per resource: pass when ACTIVE, else its status and the errors PCS gives for it. */
export async function pcsResourceRow(cloudControl: CloudControlClient, resource: PcsResource): Promise<CheckRow> {
  const { ResourceDescription } = await asIamAction('cloudformation:GetResource', () =>
    cloudControl.send(new GetResourceCommand({ TypeName: resource.typeName, Identifier: resource.arn })),
  );
  let properties: PcsProperties;
  try {
    properties = JSON.parse(ResourceDescription?.Properties ?? '{}') as PcsProperties;
  } catch {
    return fail(resource.check, `Cloud Control returned properties of ${resource.arn} that are not JSON`);
  }
  const status = properties.Status ?? 'UNKNOWN';
  if (status === ACTIVE) return pass(resource.check, `${ACTIVE} (${resource.arn})`);
  const errors = (properties.ErrorInfo ?? []).map((error) => `${error.Code ?? 'error'}: ${error.Message ?? ''}`.trim());
  const hint = /_FAILED$/.test(status)
    ? `${errors.length > 0 ? errors.join('; ') : 'PCS gives no reason'}`
    : status === 'SUSPENDED' || status === 'SUSPENDING'
      ? "the cluster's Slurm version reached its end of life: deploy with a supported hpc.slurmVersion"
      : `wait until it is ${ACTIVE} and run again`;
  return fail(resource.check, `${status}, not ${ACTIVE} (${resource.arn}): ${hint}`);
}
