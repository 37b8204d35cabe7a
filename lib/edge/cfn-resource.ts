import type { IConstruct } from 'constructs';

/**
 * The CloudFormation resource behind an L2 construct. Policy-gate findings are reported on that
 * resource, so acknowledging them there keeps the acknowledgement off the construct's other
 * children (a bucket's policy, a distribution's origin access control, a function's version).
 */
export function cfnResourceOf(construct: IConstruct): IConstruct {
  const resource = construct.node.defaultChild;
  if (resource === undefined) throw new Error(`${construct.node.path} has no CloudFormation resource to acknowledge findings on`);
  return resource;
}
