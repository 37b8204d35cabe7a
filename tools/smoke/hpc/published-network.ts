import { DescribeInstanceTypesCommand, type EC2Client, type _InstanceType } from '@aws-sdk/client-ec2';
import { asIamAction } from '../../shared/failure-line';

/** The network figures AWS publishes for an instance type. */
export interface PublishedNetwork {
  /** `NetworkInfo.NetworkPerformance`, as EC2 words it ("100 Gigabit", "3200 Gigabit"). */
  readonly performance?: string;
  /** The sum of every network card's `PeakBandwidthInGbps`; undefined when EC2 gives none. */
  readonly peakGbps?: number;
}

/**
 * What EC2's DescribeInstanceTypes publishes about the type's network: the peak bandwidth of each
 * network card (NetworkCardInfo.PeakBandwidthInGbps,
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NetworkCardInfo.html). The field is
 * optional, and has been seen missing (aws/aws-cli#9736): then there is no published figure.
 * AWS publishes no latency per instance type, in this API or on the instance type pages.
 */
export async function publishedNetwork(ec2: EC2Client, instanceType: string): Promise<PublishedNetwork> {
  return asIamAction('ec2:DescribeInstanceTypes', async () => {
    // The SDK's enum lags behind new types; EC2 itself takes any name.
    const answer = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [instanceType as _InstanceType] }));
    const network = answer.InstanceTypes?.[0]?.NetworkInfo;
    const cards = network?.NetworkCards ?? [];
    const peaks = cards.map((card) => card.PeakBandwidthInGbps);
    const complete = peaks.length > 0 && peaks.every((peak): peak is number => typeof peak === 'number' && peak > 0);
    return {
      performance: network?.NetworkPerformance,
      peakGbps: complete ? peaks.reduce((sum, peak) => sum + peak, 0) : undefined,
    };
  });
}
