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
  const config = loadConfig((key) => app.node.tryGetContext(key));
  addPolicyGates(app);

  const hpc = new HpcClusterStack(app, 'HpcClusterStack', {
    description: 'Tightly coupled HPC: EFA nodes in one subnet, one security group, one cluster placement group',
    hpc: config.hpc,
    // Env-agnostic unless an AZ is named: then only its region is pinned, never the account.
    env: config.hpc.availabilityZone ? { region: regionOfAvailabilityZone(config.hpc.availabilityZone) } : undefined,
  });

  const workers = new WorkerFleetStack(app, 'WorkerFleetStack', {
    description: 'Loosely coupled worker fleet: S3 -> SNS -> SQS (+ DLQ) -> thumbnail workers, scaled on backlog',
    workers: config.workers,
  });

  const edge = new EdgeStack(app, 'EdgeStack', {
    description: 'Edge processing: CloudFront geo-routing to per-country variants in a private S3 bucket',
    edge: config.edge,
    // Lambda@Edge functions and CloudFront certificates live in us-east-1: pin the region only.
    env: { region: 'us-east-1' },
  });

  return { config, hpc, workers, edge };
}
