/**
 * The floor for `cdk synth`: one empty stack through the same toolchain (CDK CLI, ts-node in
 * transpile-only mode, aws-cdk-lib loaded). Whatever the real app takes beyond this is the cost
 * of its own constructs, bundling and policy gates.
 */
import { App, Stack } from 'aws-cdk-lib';

const app = new App();
new Stack(app, 'EmptyStack');
app.synth();
