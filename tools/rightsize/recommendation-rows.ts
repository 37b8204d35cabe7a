import type {
  AutoScalingGroupRecommendation,
  ECSServiceRecommendation,
  GetRecommendationError,
  InstanceRecommendation,
  LambdaFunctionRecommendation,
  SavingsOpportunity,
} from '@aws-sdk/client-compute-optimizer';
import type { KindAnswer, RecommendationAnswers } from './fetch-recommendations';
import type { ResourceKind, StackResource } from './stack-resources';

/** One resource's line in the report. */
export interface RightsizingRow {
  readonly stack: string;
  readonly kind: ResourceKind;
  readonly name: string;
  readonly arn: string;
  /** The current size, in the kind's terms (instance type and count, memory, task CPU and memory). */
  readonly current?: string;
  /** Compute Optimizer's finding (`Overprovisioned`, `NotOptimized`, ...), or `NoRecommendation`. */
  readonly finding: string;
  readonly findingReasons: readonly string[];
  /** The best-ranked option; absent when the resource is optimized or has no recommendation. */
  readonly recommended?: string;
  readonly estimatedMonthlySavings?: { readonly value: number; readonly currency: string };
  /** False when Compute Optimizer has too little data to judge the resource yet. */
  readonly enoughData: boolean;
  readonly note?: string;
}

/**
 * What each kind needs before Compute Optimizer recommends anything (Compute Optimizer user
 * guide, "Supported resources and requirements"); it looks back 14 days by default.
 */
export const DATA_NEEDED: Record<ResourceKind, string> = {
  'auto-scaling-group': 'an Auto Scaling group needs 30 consecutive hours of metrics',
  'ec2-instance': 'an instance needs 30 hours of metrics within the last 14 days',
  'lambda-function': 'a function needs enough invocations within the last 14 days',
  'ecs-service': 'an ECS service on Fargate needs 24 hours of metrics within the last 14 days',
};

/** The fields every kind's recommendation maps to, before it is joined to its resource. */
type Assessment = Omit<RightsizingRow, 'stack' | 'kind' | 'name' | 'arn'>;

/**
 * One row per stack resource, sorted by stack, kind and name: a recommendation when Compute
 * Optimizer has one, otherwise a row that says plainly why there is none.
 */
export function rightsizingRows(resources: readonly StackResource[], answers: RecommendationAnswers): RightsizingRow[] {
  const byKind: Record<ResourceKind, (arn: string) => Assessment | undefined> = {
    'auto-scaling-group': (arn) => assessFrom(answers.autoScalingGroups, (r) => r.autoScalingGroupArn === arn, assessAutoScalingGroup, arn),
    'ec2-instance': (arn) => assessFrom(answers.ec2Instances, (r) => r.instanceArn === arn, assessInstance, arn),
    'lambda-function': (arn) => assessFrom(answers.lambdaFunctions, (r) => sameFunction(r.functionArn, arn), assessLambdaFunction, arn),
    'ecs-service': (arn) => assessFrom(answers.ecsServices, (r) => r.serviceArn === arn, assessEcsService, arn),
  };
  return resources
    .map((resource) => ({
      stack: resource.stack,
      kind: resource.kind,
      name: resource.name,
      arn: resource.arn,
      ...(byKind[resource.kind](resource.arn) ?? noRecommendation(resource.kind)),
    }))
    .sort((a, b) => a.stack.localeCompare(b.stack) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

function assessFrom<Recommendation>(
  answer: KindAnswer<Recommendation>,
  isFor: (recommendation: Recommendation) => boolean,
  assess: (recommendation: Recommendation) => Assessment,
  arn: string,
): Assessment | undefined {
  const recommendation = answer.recommendations.find(isFor);
  if (recommendation !== undefined) return assess(recommendation);
  const error = answer.errors.find((candidate) => candidate.identifier === arn);
  return error === undefined ? undefined : fromError(error);
}

/** Compute Optimizer answers an unqualified function ARN with the `$LATEST` version's recommendation. */
function sameFunction(recommendedArn: string | undefined, arn: string): boolean {
  return recommendedArn === arn || (recommendedArn?.startsWith(`${arn}:`) ?? false);
}

function noRecommendation(kind: ResourceKind): Assessment {
  return {
    finding: 'NoRecommendation',
    findingReasons: [],
    enoughData: false,
    note: `too little data: no recommendation yet (${DATA_NEEDED[kind]})`,
  };
}

function fromError(error: GetRecommendationError): Assessment {
  return {
    finding: 'NoRecommendation',
    findingReasons: [],
    enoughData: false,
    note: `${error.code ?? 'Error'}: ${error.message ?? 'no details'}`,
  };
}

function assessAutoScalingGroup(recommendation: AutoScalingGroupRecommendation): Assessment {
  const current = recommendation.currentConfiguration;
  const best = bestRanked(recommendation.recommendationOptions ?? []);
  return judged({
    current:
      current &&
      `${current.instanceType ?? '?'} x ${current.desiredCapacity ?? '?'} (min ${current.minSize ?? '?'}, max ${current.maxSize ?? '?'})`,
    finding: recommendation.finding,
    findingReasons: [],
    recommended: best?.configuration?.instanceType,
    savings: best?.savingsOpportunity,
  });
}

function assessInstance(recommendation: InstanceRecommendation): Assessment {
  const best = bestRanked(recommendation.recommendationOptions ?? []);
  return judged({
    current: recommendation.currentInstanceType,
    finding: recommendation.finding,
    findingReasons: recommendation.findingReasonCodes ?? [],
    recommended: best?.instanceType,
    savings: best?.savingsOpportunity,
  });
}

function assessLambdaFunction(recommendation: LambdaFunctionRecommendation): Assessment {
  const best = bestRanked(recommendation.memorySizeRecommendationOptions ?? []);
  const reasons = recommendation.findingReasonCodes ?? [];
  const assessment = judged({
    current: recommendation.currentMemorySize === undefined ? undefined : `${recommendation.currentMemorySize} MB memory`,
    finding: recommendation.finding,
    findingReasons: reasons,
    recommended: best?.memorySize === undefined ? undefined : `${best.memorySize} MB memory`,
    savings: best?.savingsOpportunity,
  });
  // Unavailable + InsufficientData/Inconclusive: Compute Optimizer saw the function but cannot judge it yet.
  if (recommendation.finding === 'Unavailable') {
    const why = reasons.includes('InsufficientData')
      ? `too little data (${DATA_NEEDED['lambda-function']})`
      : `inconclusive: ${reasons.join(', ') || 'no reason given'}`;
    return { ...assessment, recommended: undefined, estimatedMonthlySavings: undefined, enoughData: false, note: why };
  }
  return assessment;
}

function assessEcsService(recommendation: ECSServiceRecommendation): Assessment {
  const current = recommendation.currentServiceConfiguration;
  // ECS options carry no rank: Compute Optimizer lists its preferred task size first.
  const best = recommendation.serviceRecommendationOptions?.[0];
  const assessment = judged({
    current: current && taskSize(current.cpu, current.memory),
    finding: recommendation.finding,
    findingReasons: recommendation.findingReasonCodes ?? [],
    recommended: best && taskSize(best.cpu, best.memory),
    savings: best?.savingsOpportunity,
  });
  return recommendation.launchType === 'EC2' ? { ...assessment, note: 'Compute Optimizer sizes ECS services on Fargate only' } : assessment;
}

function taskSize(cpu: number | undefined, memory: number | undefined): string {
  return `${cpu ?? '?'} CPU units, ${memory ?? '?'} MiB`;
}

function bestRanked<Option extends { rank?: number }>(options: readonly Option[]): Option | undefined {
  return [...options].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity))[0];
}

/** The common tail of every kind: an optimized resource gets no recommended option. */
function judged(fields: {
  current?: string;
  finding?: string;
  findingReasons: readonly string[];
  recommended?: string;
  savings?: SavingsOpportunity;
}): Assessment {
  const optimized = fields.finding === 'Optimized';
  const savings = fields.savings?.estimatedMonthlySavings;
  return {
    current: fields.current,
    finding: fields.finding ?? 'Unknown',
    findingReasons: fields.findingReasons,
    recommended: optimized ? undefined : fields.recommended,
    estimatedMonthlySavings:
      !optimized && savings?.value !== undefined ? { value: savings.value, currency: savings.currency ?? 'USD' } : undefined,
    enoughData: true,
  };
}
