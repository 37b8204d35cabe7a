import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';

/** cfn-guard checking templates in the background: one thread (and one cfn-guard process) per template. */
export interface CfnGuardRun {
  /** Blocks until every template is checked; their reports in the order of the templates. */
  waitForReports(): PolicyValidationPluginReportBeta1[];
}

/** A check of a few templates takes seconds; minutes means cfn-guard hangs. */
const GUARD_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Starts the cfn-guard plugin (`@cdklabs/cdk-validator-cfnguard`) on each template in a worker
 * thread of its own and returns at once.
 *
 * Why threads: aws-cdk-lib calls validation plugins synchronously, one after another, and the
 * plugin blocks its thread on the cfn-guard process. In threads, the cfn-guard processes run on
 * the other core while the main thread does other work (CloudFormation Validate, which is
 * CPU-bound in the main thread for seconds), and the templates are checked side by side
 * instead of one after another. The main thread then waits with Atomics.wait and reads each
 * thread's report synchronously with receiveMessageOnPort: no event loop turn is needed.
 */
export function startCfnGuard(templatePaths: readonly string[], disabledRules: readonly string[]): CfnGuardRun {
  const finished = new Int32Array(new SharedArrayBuffer(4 * templatePaths.length));
  const ports: MessagePort[] = templatePaths.map((templatePath, index) => {
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(GUARD_THREAD_SOURCE, {
      eval: true,
      workerData: {
        pluginModule: require.resolve('@cdklabs/cdk-validator-cfnguard'),
        templatePath,
        disabledRules,
        port: port2,
        finished,
        index,
      },
      transferList: [port2],
    });
    // A synthesis that fails before the reports are collected must not wait for the threads to exit.
    worker.unref();
    return port1;
  });
  return {
    waitForReports: () =>
      templatePaths.map((templatePath, index) => {
        if (Atomics.wait(finished, index, 0, GUARD_TIMEOUT_MS) === 'timed-out') {
          throw new Error(`cfn-guard did not finish checking ${templatePath} within ${GUARD_TIMEOUT_MS / 60_000} minutes`);
        }
        const result = receiveMessageOnPort(ports[index])?.message as { report: PolicyValidationPluginReportBeta1 } | { error: string };
        ports[index].close();
        if ('error' in result) throw new Error(`cfn-guard on ${templatePath}: ${result.error}`);
        return result.report;
      }),
  };
}

/**
 * The thread: plain CommonJS (it runs outside ts-node and jest's transform), so it requires only
 * the plugin package. It always posts a result before it signals, so the main thread never waits
 * on a thread that failed, and never signals without a message to read.
 */
const GUARD_THREAD_SOURCE = `
const { workerData } = require('node:worker_threads');
let result;
try {
  const { CfnGuardValidator } = require(workerData.pluginModule);
  const validator = new CfnGuardValidator({ disabledRules: workerData.disabledRules });
  result = { report: validator.validate({ templatePaths: [workerData.templatePath] }) };
} catch (error) {
  result = { error: String(error && error.message ? error.message : error) };
}
workerData.port.postMessage(result);
Atomics.store(workerData.finished, workerData.index, 1);
Atomics.notify(workerData.finished, workerData.index);
`;
