import { conditionKeysOf, decide, parsePolicy, type PolicyStatement } from '../../../tools/smoke/workers/resource-policy';
import { describeFailure } from '../../../tools/shared/failure-line';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alarms';
const ALARM = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:DlqNotEmpty';
const request = (context: Record<string, string> = {}, action = 'sns:Publish') => ({
  service: 'cloudwatch.amazonaws.com',
  action,
  resource: TOPIC,
  context: { 'aws:SourceArn': ALARM, 'aws:SourceAccount': '123456789012', 'aws:SecureTransport': 'true', ...context },
});
const allow = (extra: Partial<PolicyStatement> = {}): PolicyStatement => ({
  Sid: 'Alarms',
  Effect: 'Allow',
  Principal: { Service: 'cloudwatch.amazonaws.com' },
  Action: 'sns:Publish',
  Resource: TOPIC,
  ...extra,
});

test('an Allow for the service principal, action and resource allows', () => {
  expect(decide([allow()], request())).toEqual({ allowed: true, allowedBy: allow() });
});

test('nothing that applies: the implicit deny', () => {
  expect(decide([allow({ Principal: { Service: 'events.amazonaws.com' } })], request()).allowed).toBe(false);
  expect(decide([allow({ Action: 'sns:Subscribe' })], request()).allowed).toBe(false);
  expect(decide([allow({ Resource: 'arn:aws:sns:eu-west-1:123456789012:other' })], request()).allowed).toBe(false);
  expect(decide([], request()).allowed).toBe(false);
});

test('an explicit Deny wins over any Allow', () => {
  const deny: PolicyStatement = { Sid: 'No', Effect: 'Deny', Principal: '*', Action: 'sns:*', Resource: '*' };
  expect(decide([allow(), deny], request())).toEqual({ allowed: false, deniedBy: deny });
});

test('the TLS-only Deny does not apply to a request over TLS', () => {
  const tlsOnly: PolicyStatement = {
    Effect: 'Deny',
    Principal: '*',
    Action: 'sns:Publish',
    Resource: TOPIC,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
  expect(decide([tlsOnly, allow()], request()).allowed).toBe(true);
  expect(decide([tlsOnly, allow()], request({ 'aws:SecureTransport': 'false' })).allowed).toBe(false);
});

test('wildcards: * and ? in actions (without case) and resources; Principal AWS *', () => {
  expect(
    decide([allow({ Action: 'KMS:GenerateDataKey*', Resource: '*' })], { ...request({}, 'kms:GenerateDataKey'), resource: 'arn:aws:kms:x' })
      .allowed,
  ).toBe(true);
  expect(decide([allow({ Resource: 'arn:aws:sns:eu-west-?:123456789012:*' })], request()).allowed).toBe(true);
  expect(decide([allow({ Principal: { AWS: '*' } })], request()).allowed).toBe(true);
});

test('conditions: StringEquals and ArnLike hold for this account alarms only', () => {
  const guarded = allow({
    Condition: {
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*' },
    },
  });
  expect(decide([guarded], request()).allowed).toBe(true);
  expect(decide([guarded], request({ 'aws:SourceAccount': '999999999999' })).allowed).toBe(false);
  expect(decide([guarded], request({ 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:999999999999:alarm:x' })).allowed).toBe(false);
  expect(conditionKeysOf(guarded)).toEqual(['aws:sourceaccount', 'aws:sourcearn']);
});

test('a missing context key fails the condition, unless IfExists', () => {
  const cond = (operator: string) => allow({ Condition: { [operator]: { 'aws:PrincipalOrgID': 'o-123' } } });
  expect(decide([cond('StringEquals')], request()).allowed).toBe(false);
  expect(decide([cond('StringEqualsIfExists')], request()).allowed).toBe(true);
});

test('negated operators need every value to differ; Not elements invert', () => {
  const notLike = allow({ Condition: { ArnNotLike: { 'aws:SourceArn': ['arn:aws:cloudwatch:*:*:alarm:Other*', 'arn:x'] } } });
  expect(decide([notLike], request()).allowed).toBe(true);
  const { Action: _, ...withoutAction } = allow();
  expect(decide([{ ...withoutAction, NotAction: 'sns:Subscribe' }], request()).allowed).toBe(true);
  expect(decide([{ ...withoutAction, NotAction: 'sns:Pub*' }], request()).allowed).toBe(false);
});

test('an operator it cannot evaluate never makes a statement apply', () => {
  expect(decide([allow({ Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } })], request()).allowed).toBe(false);
});

test('policies: a single statement object, an array, nothing, or one line for bad JSON', () => {
  expect(parsePolicy(JSON.stringify({ Statement: allow() }), 'topic policy')).toEqual([allow()]);
  expect(parsePolicy(undefined, 'topic policy')).toEqual([]);
  expect(describeFailure(catchError(() => parsePolicy('{nope', 'key policy')))).toBe('the key policy is not valid JSON');
});

function catchError(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
