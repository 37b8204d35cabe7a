import { ActionableError } from '../../shared/failure-line';

/**
 * Whether a resource policy (an SNS topic policy, a KMS key policy) lets an AWS service call an
 * action, evaluated the way IAM documents it for one policy: an explicit Deny wins, then any
 * Allow, else the implicit deny (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * It covers what these policies use: Principal/NotPrincipal with a service or `*`, Action and
 * Resource with `*` and `?` wildcards (and their Not forms), and the String, Arn and Bool
 * condition operators, with IfExists. A condition it cannot evaluate makes its statement count as
 * not applying, so an unknown operator can never make the check pass.
 *
 * (The one library that simulates IAM evaluation in full, @cloud-copilot/iam-simulate, is
 * AGPL-licensed, which this MIT-0 project cannot ship.)
 */

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: string | string[];
  readonly NotResource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** A request by an AWS service principal, with the request context the service sets. */
export interface ServiceRequest {
  /** `cloudwatch.amazonaws.com` */
  readonly service: string;
  readonly action: string;
  readonly resource: string;
  /** Condition keys and their values, e.g. aws:SourceArn, aws:SourceAccount, aws:SecureTransport. */
  readonly context: Readonly<Record<string, string>>;
}

export interface Decision {
  readonly allowed: boolean;
  /** The statement that allowed the request. */
  readonly allowedBy?: PolicyStatement;
  /** The statement that denied it explicitly. */
  readonly deniedBy?: PolicyStatement;
}

/** A policy document as an API returns it (a JSON string). */
export function parsePolicy(json: string | undefined, what: string): PolicyStatement[] {
  if (json === undefined || json === '') return [];
  try {
    const statements = (JSON.parse(json) as { Statement?: PolicyStatement | PolicyStatement[] }).Statement ?? [];
    return Array.isArray(statements) ? statements : [statements];
  } catch {
    throw new ActionableError(`the ${what} is not valid JSON`);
  }
}

/** Explicit deny, then allow, then the implicit deny. */
export function decide(statements: readonly PolicyStatement[], request: ServiceRequest): Decision {
  const applying = statements.filter((statement) => applies(statement, request));
  const deniedBy = applying.find((statement) => statement.Effect === 'Deny');
  if (deniedBy) return { allowed: false, deniedBy };
  const allowedBy = applying.find((statement) => statement.Effect === 'Allow');
  return allowedBy ? { allowed: true, allowedBy } : { allowed: false };
}

/** The condition keys a statement tests, lower-cased (condition keys are case-insensitive). */
export function conditionKeysOf(statement: PolicyStatement): string[] {
  return Object.values(statement.Condition ?? {}).flatMap((block) => Object.keys(block).map((key) => key.toLowerCase()));
}

/** How a statement names itself in a one-line message. */
export function statementName(statement: PolicyStatement): string {
  return statement.Sid ? `statement "${statement.Sid}"` : 'a statement without Sid';
}

function applies(statement: PolicyStatement, request: ServiceRequest): boolean {
  const principal =
    statement.Principal !== undefined
      ? principalMatches(statement.Principal, request.service)
      : statement.NotPrincipal !== undefined && !principalMatches(statement.NotPrincipal, request.service);
  const action =
    statement.Action !== undefined
      ? list(statement.Action).some((pattern) => wildcard(pattern, request.action, true))
      : statement.NotAction !== undefined && !list(statement.NotAction).some((pattern) => wildcard(pattern, request.action, true));
  // A key policy's "*" is the key itself; a statement with no Resource element applies nowhere.
  const resource =
    statement.Resource !== undefined
      ? list(statement.Resource).some((pattern) => wildcard(pattern, request.resource, false))
      : statement.NotResource !== undefined && !list(statement.NotResource).some((pattern) => wildcard(pattern, request.resource, false));
  return principal && action && resource && conditionsHold(statement.Condition ?? {}, request.context);
}

function principalMatches(principal: unknown, service: string): boolean {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const { Service, AWS } = principal as { Service?: string | string[]; AWS?: string | string[] };
  return (Service !== undefined && list(Service).includes(service)) || (AWS !== undefined && list(AWS).includes('*'));
}

type Comparison = (actual: string, expected: string) => boolean;

/** The operators these policies use (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html). */
const OPERATORS: Record<string, Comparison> = {
  stringequals: (actual, expected) => actual === expected,
  stringnotequals: (actual, expected) => actual !== expected,
  stringequalsignorecase: (actual, expected) => actual.toLowerCase() === expected.toLowerCase(),
  stringlike: (actual, expected) => wildcard(expected, actual, false),
  stringnotlike: (actual, expected) => !wildcard(expected, actual, false),
  arnequals: (actual, expected) => actual === expected,
  arnlike: (actual, expected) => wildcard(expected, actual, false),
  arnnotequals: (actual, expected) => actual !== expected,
  arnnotlike: (actual, expected) => !wildcard(expected, actual, false),
  bool: (actual, expected) => actual.toLowerCase() === expected.toLowerCase(),
};

/** Negated operators hold when every value differs; the others when any value matches. */
const NEGATED = new Set(['stringnotequals', 'stringnotlike', 'arnnotequals', 'arnnotlike']);

function conditionsHold(condition: NonNullable<PolicyStatement['Condition']>, context: Readonly<Record<string, string>>): boolean {
  const contextValue = (key: string) => Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
  return Object.entries(condition).every(([rawOperator, block]) => {
    const ifExists = /IfExists$/i.test(rawOperator);
    const operator = rawOperator.replace(/IfExists$/i, '').toLowerCase();
    const compare = OPERATORS[operator];
    if (compare === undefined) return false;
    return Object.entries(block).every(([key, expected]) => {
      const actual = contextValue(key);
      if (actual === undefined) return ifExists;
      const values = list(expected).map(String);
      return NEGATED.has(operator) ? values.every((value) => compare(actual, value)) : values.some((value) => compare(actual, value));
    });
  });
}

function list<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** IAM's wildcards: `*` any run of characters, `?` any one; actions compare without case. */
function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}
