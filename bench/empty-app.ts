/**
 * The floor for `cdk synth`: the smallest app CloudFormation accepts (one stack with one
 * resource that has no properties), through the same toolchain as the real app: the CDK CLI,
 * cdk.json's app command and feature flags (so CloudFormation Validate runs here too), and
 * aws-cdk-lib. Whatever the real app takes beyond this is the cost of its own constructs,
 * bundling and policy gates.
 */
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';

const app = new App();
// A stack needs at least one resource: CloudFormation Validate refuses an empty Resources section.
new CfnWaitConditionHandle(new Stack(app, 'EmptyStack'), 'Placeholder');
app.synth();
