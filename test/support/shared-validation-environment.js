/**
 * The jest test environment of this project: Node's, plus one CloudFormation Validate engine per
 * jest worker process, shared by every test file that worker runs.
 *
 * Why: CloudFormation Validate (aws-cdk-lib's built-in policy gate) starts a WebAssembly rule
 * engine that takes about 5 s of CPU, once per process. Jest gives each test file a fresh module
 * registry, so each file that synthesizes would start its own engine. This environment module is
 * loaded once per worker process (outside the per-file registries): the engine it holds outlives
 * the test files, and test/support/share-validation-engine.ts routes each file's validations to it. Same
 * plugin class, same rules, same aws-cdk-lib; only the start-up is shared.
 */
const { TestEnvironment } = require('jest-environment-node');

let engine; // this worker's CloudFormationValidatePlugin, from its first validation on

const sharedCloudFormationValidate = {
  validate(context) {
    engine ??= new (require('aws-cdk-lib').CloudFormationValidatePlugin)();
    return engine.validate(context);
  },
};

class SharedValidationEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.__sharedCloudFormationValidate = sharedCloudFormationValidate;
  }
}

module.exports = SharedValidationEnvironment;
