import {
  type AutoScalingGroupRecommendation,
  type ComputeOptimizerClient,
  type ECSServiceRecommendation,
  GetAutoScalingGroupRecommendationsCommand,
  GetEC2InstanceRecommendationsCommand,
  GetECSServiceRecommendationsCommand,
  type GetRecommendationError,
  type InstanceRecommendation,
  type LambdaFunctionRecommendation,
  paginateGetLambdaFunctionRecommendations,
} from '@aws-sdk/client-compute-optimizer';
import { asIamAction } from '../shared/failure-line';
import type { ResourceKind, StackResource } from './stack-resources';

/** Compute Optimizer's answer for one resource kind: recommendations, plus per-resource errors. */
export interface KindAnswer<Recommendation> {
  readonly recommendations: Recommendation[];
  readonly errors: GetRecommendationError[];
}

/** Every kind's answer; a kind without resources in the stacks was not asked at all. */
export interface RecommendationAnswers {
  readonly autoScalingGroups: KindAnswer<AutoScalingGroupRecommendation>;
  readonly ec2Instances: KindAnswer<InstanceRecommendation>;
  readonly lambdaFunctions: KindAnswer<LambdaFunctionRecommendation>;
  readonly ecsServices: KindAnswer<ECSServiceRecommendation>;
}

const NOTHING_ASKED = { recommendations: [], errors: [] };

/**
 * Asks Compute Optimizer about exactly the stacks' resources, by ARN. A kind with no resources
 * is skipped: the APIs read an empty ARN list as "every resource of the account".
 */
export async function fetchRecommendations(
  computeOptimizer: ComputeOptimizerClient,
  resources: readonly StackResource[],
): Promise<RecommendationAnswers> {
  const arnsOf = (kind: ResourceKind) => resources.filter((resource) => resource.kind === kind).map((resource) => resource.arn);
  const [autoScalingGroups, ec2Instances, lambdaFunctions, ecsServices] = await Promise.all([
    ifAny(arnsOf('auto-scaling-group'), (arns) =>
      asIamAction('compute-optimizer:GetAutoScalingGroupRecommendations', () =>
        allPages(async (nextToken) => {
          const page = await computeOptimizer.send(
            new GetAutoScalingGroupRecommendationsCommand({ autoScalingGroupArns: arns, nextToken }),
          );
          return { ...page, recommendations: page.autoScalingGroupRecommendations };
        }),
      ),
    ),
    ifAny(arnsOf('ec2-instance'), (arns) =>
      asIamAction('compute-optimizer:GetEC2InstanceRecommendations', () =>
        allPages(async (nextToken) => {
          const page = await computeOptimizer.send(new GetEC2InstanceRecommendationsCommand({ instanceArns: arns, nextToken }));
          return { ...page, recommendations: page.instanceRecommendations };
        }),
      ),
    ),
    ifAny(arnsOf('lambda-function'), (arns) =>
      asIamAction('compute-optimizer:GetLambdaFunctionRecommendations', async () => {
        const recommendations: LambdaFunctionRecommendation[] = [];
        for await (const page of paginateGetLambdaFunctionRecommendations({ client: computeOptimizer }, { functionArns: arns })) {
          recommendations.push(...(page.lambdaFunctionRecommendations ?? []));
        }
        // This API reports unknown functions by leaving them out: it has no errors list.
        return { recommendations, errors: [] };
      }),
    ),
    ifAny(arnsOf('ecs-service'), (arns) =>
      asIamAction('compute-optimizer:GetECSServiceRecommendations', () =>
        allPages(async (nextToken) => {
          const page = await computeOptimizer.send(new GetECSServiceRecommendationsCommand({ serviceArns: arns, nextToken }));
          return { ...page, recommendations: page.ecsServiceRecommendations };
        }),
      ),
    ),
  ]);
  return { autoScalingGroups, ec2Instances, lambdaFunctions, ecsServices };
}

async function ifAny<Recommendation>(
  arns: string[],
  ask: (arns: string[]) => Promise<KindAnswer<Recommendation>>,
): Promise<KindAnswer<Recommendation>> {
  return arns.length > 0 ? ask(arns) : NOTHING_ASKED;
}

interface RecommendationPage<Recommendation> {
  readonly recommendations?: Recommendation[];
  readonly errors?: GetRecommendationError[];
  readonly nextToken?: string;
}

/**
 * Follows `nextToken` to the end. The SDK ships paginators for only some Compute Optimizer
 * operations (Lambda has one; Auto Scaling groups, EC2 and ECS do not).
 */
async function allPages<Recommendation>(
  fetchPage: (nextToken?: string) => Promise<RecommendationPage<Recommendation>>,
): Promise<KindAnswer<Recommendation>> {
  const answer: KindAnswer<Recommendation> = { recommendations: [], errors: [] };
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(nextToken);
    answer.recommendations.push(...(page.recommendations ?? []));
    answer.errors.push(...(page.errors ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return answer;
}
