/**
 * Jest setup of the unit project, run in each test file before its tests: every CloudFormation
 * Validate plugin the file's apps create (aws-cdk-lib's default and the one the policy gates
 * register) validates through the engine the jest environment keeps for the whole worker process
 * (test/support/shared-validation-environment.js says why). Outside that environment nothing changes.
 */
import { CloudFormationValidatePlugin, IPolicyValidationContextBeta1 } from 'aws-cdk-lib';

const shared = (globalThis as { __sharedCloudFormationValidate?: CloudFormationValidatePlugin }).__sharedCloudFormationValidate;
if (shared) {
  CloudFormationValidatePlugin.prototype.validate = (context: IPolicyValidationContextBeta1) => shared.validate(context as never);
}
