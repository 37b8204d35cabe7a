/**
 * The scaling parameters each poller backend synthesizes (targets, steps, cooldowns, min and max,
 * weights, the signal's schedule), read back from the template and run, with the real scaling
 * signal function, over four timelines (support/fleet-simulation.ts says what is modelled and what
 * is assumed). Three properties must hold on each: the fleet leaves zero within 2 minutes of the
 * first message, never has more than workers.maxWorkers pollers taking messages, and returns to
 * zero after the queue drains, with every message processed.
 */
import { addWorkerFleetStack } from '../../lib/app';
import { synthesizeStack } from '../support/synth';
import { simulate, type SimulationResult, type Timeline } from './support/fleet-simulation';
import { readScalingParameters, type ScalingParameters } from './support/scaling-parameters';

const MAX_WORKERS = 10; // workers.maxWorkers, the default both stacks are synthesized with
const HOUR = 3600;
const MINUTE = 60;

/** Each timeline's first message arrives one second after a signal run: the longest wait for it. */
const TIMELINES: Timeline[] = [
  {
    name: 'a burst of 1,000 messages after 7 idle hours',
    arrivals: (t) => (t === 7 * HOUR + 1 ? 1000 : 0),
    horizonSeconds: 7 * HOUR + 3 * HOUR,
  },
  {
    name: 'one message a minute for two hours',
    arrivals: (t) => (t > 0 && t <= 2 * HOUR && t % MINUTE === 1 ? 1 : 0),
    horizonSeconds: 3 * HOUR + 30 * MINUTE,
  },
  {
    name: 'a steady 50 messages a second for ten minutes',
    arrivals: (t) => (t >= 1 && t <= 10 * MINUTE ? 50 : 0),
    horizonSeconds: 5 * HOUR,
  },
  {
    name: 'workers that fail to start (every other launch) under a burst of 300',
    arrivals: (t) => (t === 61 ? 300 : 0),
    horizonSeconds: 3 * HOUR,
    failsToStart: (launch) => launch % 2 === 0,
  },
];

const parameters = {} as Record<'fargate' | 'ec2', ScalingParameters>;
beforeAll(() => {
  for (const backend of ['fargate', 'ec2'] as const) {
    // The parameters only: the policy gates of both backends are held in deploy-rules.test.ts.
    const { template } = synthesizeStack(addWorkerFleetStack, { 'workers.compute': backend }, { policyGates: false });
    parameters[backend] = readScalingParameters(template, backend);
  }
}, 180_000);

test('the parameters read from the templates are the ones the stack means to carry', () => {
  expect(parameters.fargate).toMatchObject({
    minCapacity: 0,
    maxCapacity: 10,
    signalIntervalSeconds: 60,
    activationCapacity: 1,
    avgProcessingSeconds: 2,
  });
  expect(parameters.fargate.target).toEqual({ metricName: 'BacklogPerWorker', statistic: 'Average', value: 150, disableScaleIn: true });
  expect(parameters.ec2.target).toEqual({ metricName: 'BacklogPerWorker', statistic: 'Average', value: 150, disableScaleIn: true });
  expect(parameters.ec2).toMatchObject({ minCapacity: 0, maxCapacity: 8, weights: [2, 2, 2, 2, 2], healthCheckGraceSeconds: 600 });
  for (const backend of ['fargate', 'ec2'] as const) {
    expect(parameters[backend].stepPolicies).toEqual([
      expect.objectContaining({
        adjustmentType: 'ExactCapacity',
        adjustment: 0,
        alarm: expect.objectContaining({
          expression: 'IF(FILL(received, 0) > 0, 0, idle)',
          metrics: {
            idle: { metricName: 'IdleFleet', statistic: 'Minimum' },
            received: { metricName: 'NumberOfMessagesReceived', statistic: 'Sum' },
          },
          evaluationPeriods: 15,
          datapointsToAlarm: 15,
        }),
      }),
    ]);
  }
});

describe.each(['fargate', 'ec2'] as const)('%s', (backend) => {
  describe.each(TIMELINES)('$name', (timeline) => {
    let result: SimulationResult;
    beforeAll(async () => {
      result = await simulate(parameters[backend], timeline);
    }, 120_000);

    test('the fleet leaves zero within 2 minutes of the first message', () => {
      expect(result.leftZeroAt).toBeDefined();
      expect(result.leftZeroAt! - result.firstArrival).toBeLessThanOrEqual(120);
    });

    test('never more than workers.maxWorkers pollers take messages', () => {
      expect(result.maxReceivingPollers).toBeGreaterThan(0);
      expect(result.maxReceivingPollers).toBeLessThanOrEqual(MAX_WORKERS);
      expect(result.maxDesired).toBeLessThanOrEqual(parameters[backend].maxCapacity);
    });

    test('does not churn: each worker started is needed (at most a few launches beyond the largest fleet)', () => {
      const failures = timeline.failsToStart ? result.launches / 2 : 0;
      expect(result.launches - failures).toBeLessThanOrEqual(result.maxDesired + 4);
    });

    test('returns to zero after the queue drains, with every message processed', () => {
      expect(result.processed).toBe(result.sent);
      expect(result.backToZeroAt).toBeDefined();
      // The idle rule's 15 minutes, plus a minute of received messages, its evaluation and the last worker's stop.
      expect(result.backToZeroAt! - result.lastProcessedAt).toBeLessThanOrEqual(20 * MINUTE);
    });
  });
});
