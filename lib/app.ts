import { App } from 'aws-cdk-lib';
import { AppConfig, loadConfig, regionOfAvailabilityZone } from './config';
import { EdgeStack } from './edge/edge-stack';
import { HpcClusterStack } from './hpc/hpc-cluster-stack';
import { addPolicyGates } from './shared/policy-gates';
import { WorkerFleetStack } from './workers/worker-fleet-stack';

/** The stacks of the app, for tests and tools that need more than the cloud assembly. */
export interface DistributedComputeStacks {
  readonly config: AppConfig;
  readonly hpc: HpcClusterStack;
  readonly workers: WorkerFleetStack;
  readonly edge: EdgeStack;
}

/**
 * Reads the configuration from the app's context, registers the policy gates and builds every
 * stack. `bin/app.ts` and the tests both build the app through here, so the tests check exactly
 * what `cdk synth` produces. Throws a ConfigError on an invalid config value.
 */
export function buildApp(app: App): DistributedComputeStacks {
  const config = loadConfig(app.node.getAllContext());
  addPolicyGates(app);
  return {
    config,
    hpc: addHpcClusterStack(app, config),
    workers: addWorkerFleetStack(app, config),
    edge: addEdgeStack(app, config),
  };
}

/** The tightly coupled HPC stack, as `cdk synth` builds it (tests build one stack alone through these). */
export function addHpcClusterStack(app: App, config: AppConfig): HpcClusterStack {
  return new HpcClusterStack(app, 'HpcClusterStack', {
    description: 'Tightly coupled HPC: EFA nodes in one subnet, one security group, one cluster placement group',
    hpc: config.hpc,
    // Env-agnostic unless an AZ is named: then only its region is pinned, never the account.
    env: config.hpc.availabilityZone ? { region: regionOfAvailabilityZone(config.hpc.availabilityZone) } : undefined,
  });
}

/** The loosely coupled worker fleet stack, as `cdk synth` builds it. */
export function addWorkerFleetStack(app: App, config: AppConfig): WorkerFleetStack {
  return new WorkerFleetStack(app, 'WorkerFleetStack', {
    description: 'Loosely coupled worker fleet: S3 -> SNS -> SQS (+ DLQ) -> thumbnail workers, scaled on backlog',
    workers: config.workers,
  });
}

/** The edge processing stack, as `cdk synth` builds it. */
export function addEdgeStack(app: App, config: AppConfig): EdgeStack {
  return new EdgeStack(app, 'EdgeStack', {
    description: 'Edge processing: CloudFront geo-routing to per-country variants in a private S3 bucket',
    edge: config.edge,
    // Lambda@Edge functions and CloudFront certificates live in us-east-1: pin the region only.
    env: { region: 'us-east-1' },
  });
}
