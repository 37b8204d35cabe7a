/** The app's stacks, as lib/app.ts names them: what the tools read and check by default. */
export const APP_STACKS = ['HpcClusterStack', 'WorkerFleetStack', 'EdgeStack'] as const;

export type AppStackName = (typeof APP_STACKS)[number];

/**
 * EdgeStack always lives in us-east-1 (lib/app.ts pins its region: Lambda@Edge functions and
 * CloudFront certificates must be there), whatever region the other stacks use.
 */
export const EDGE_STACK_REGION = 'us-east-1';
