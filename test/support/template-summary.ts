/**
 * A short, stable, readable summary of a synthesized CloudFormation template, for snapshots a
 * reviewer can read: per resource (sorted by type, then logical id) the properties that matter for
 * review (security, sizing and scaling, wiring) and the outputs, without the noise of a raw
 * template (asset hashes, bundled code, CDK metadata, tags).
 *
 * - `Ref` and `Fn::GetAtt` are written `<LogicalId>` and `<LogicalId.Attribute>` (as cdk-nag writes
 *   them in rule ids), and `Fn::Join` / `Fn::Sub` are joined into one string, so wiring reads as text.
 * - Scripts, inline code and any other long text are written as their line count, a content hash
 *   and the resources they reference: a change to one line of a script still changes the summary.
 * - Asset hashes (64 hex digits) become `[ASSET_HASH]`: they change with any bundled byte or
 *   toolchain, on any machine, and the assets are tested where they are built.
 * - IAM, key, bucket, queue and topic policies are one line per statement.
 * - Policy-gate acknowledgements keep only the rule ids (their reasons are tested elsewhere);
 *   ids acknowledged on every resource are listed once.
 * - {@link PROPERTIES_TO_KEEP} lists, for the types whose other properties are noise, the
 *   properties to keep; every other type keeps all of its properties but tags, descriptions and
 *   comments ({@link NOISE_KEYS}).
 *
 * The output depends on the template only: no paths, times or machine state.
 */
import * as crypto from 'node:crypto';
import { Template } from 'aws-cdk-lib/assertions';

/** A CloudFormation template as JSON. */
export type TemplateJson = Record<string, any>;

/** Lines longer than this are broken over several lines (an object's keys, an array's items). */
const WIDTH = 140;
/** A single-line string longer than this is summarized like a script. */
const LONG_STRING = 240;

/** 64 hex digits: a CDK asset hash (in S3 keys, image tags, checksums), whichever asset changed. */
export const ASSET_HASH = /[0-9a-f]{64}/g;
export const ASSET_HASH_TOKEN = '[ASSET_HASH]';

/**
 * Top-level properties kept, for the types whose other properties are noise for review (a policy's
 * generated name). A type not listed keeps every property but {@link NOISE_KEYS}: a property a
 * later change adds shows up in the summary unless it is listed as noise.
 */
export const PROPERTIES_TO_KEEP: Readonly<Record<string, readonly string[]>> = {
  'AWS::IAM::Policy': ['PolicyDocument', 'Roles', 'Users', 'Groups'],
};

/**
 * Keys dropped wherever they appear in a resource: they name or describe things, they do not
 * change what a resource may do (a security group's GroupDescription is kept: it replaces the group).
 */
const NOISE_KEYS = new Set(['Tags', 'TagSpecifications', 'Description', 'AlarmDescription', 'Comment']);
/** Values that hold a policy document: summarized one statement a line. */
const POLICY_DOCUMENT_KEYS = new Set(['PolicyDocument', 'AssumeRolePolicyDocument', 'KeyPolicy']);
/** Parameters and rules CDK adds to every stack. */
const BOOTSTRAP_ENTRIES = new Set(['BootstrapVersion', 'CheckBootstrapVersion']);

/** The summary of a synthesized template, as text (one snapshot per stack configuration). */
export function summarizeTemplate(template: Template | TemplateJson): string {
  const json: TemplateJson = template instanceof Template ? template.toJSON() : template;
  const resources: Record<string, TemplateJson> = json.Resources ?? {};
  const lines: string[] = [];

  if (json.Description !== undefined) emit(lines, 0, 'Description', simplify(json.Description));
  const common = acknowledgedEverywhere(resources);
  if (common.length > 0) lines.push(`Acknowledged on every resource: ${common.join(' ')}`);

  for (const section of ['Parameters', 'Mappings', 'Conditions', 'Rules'] as const) {
    const entries = Object.entries((json[section] ?? {}) as TemplateJson).filter(([id]) => !BOOTSTRAP_ENTRIES.has(id));
    if (entries.length > 0) emitSection(lines, section, entries, (value) => simplify(value));
  }

  const ids = Object.keys(resources).sort((a, b) => compare(resources[a].Type, resources[b].Type) || compare(a, b));
  lines.push(`Resources (${ids.length}):`);
  let type: string | undefined;
  for (const id of ids) {
    if (resources[id].Type !== type) {
      type = resources[id].Type as string;
      lines.push(`  ${type}`);
    }
    emitResource(lines, id, resources[id], common);
  }

  const outputs = Object.entries((json.Outputs ?? {}) as TemplateJson);
  if (outputs.length > 0) emitSection(lines, 'Outputs', outputs, summarizeOutput);
  return lines.join('\n');
}

function emitSection(lines: string[], title: string, entries: [string, unknown][], render: (value: any) => Simple): void {
  lines.push(`${title}:`);
  for (const [id, value] of entries.sort(([a], [b]) => compare(a, b))) emit(lines, 2, id, render(value));
}

function summarizeOutput(output: TemplateJson): Simple {
  const { Value, Export, Condition } = output;
  const kept: Record<string, Simple> = { Value: simplify(Value) };
  if (Export !== undefined) kept.Export = simplify(Export);
  if (Condition !== undefined) kept.Condition = simplify(Condition);
  return Object.keys(kept).length === 1 ? kept.Value : kept;
}

/** A resource's properties and attributes, then on a line of its own the rules acknowledged on it. */
function emitResource(lines: string[], id: string, resource: TemplateJson, common: string[]): void {
  const summary = summarizeResource(resource);
  const acknowledged = acknowledgedRules(resource).filter((rule) => !common.includes(rule));
  if (acknowledged.length === 0) {
    emit(lines, 4, id, summary);
    return;
  }
  lines.push(`    ${id}:`);
  emitChildren(lines, 6, summary);
  lines.push(`      Acknowledged: ${acknowledged.join(' ')}`);
}

function summarizeResource(resource: TemplateJson): { [key: string]: Simple } {
  const properties: TemplateJson = resource.Properties ?? {};
  const keep = PROPERTIES_TO_KEEP[resource.Type];
  const summary: Record<string, Simple> = {};
  for (const key of Object.keys(properties).sort(compare)) {
    if (keep && !keep.includes(key)) continue;
    if (NOISE_KEYS.has(key)) continue;
    const value = simplify(properties[key], key);
    if (!isEmpty(value)) summary[key] = value;
  }
  // Resource attributes that change what a deploy or a delete does (Delete is the default).
  for (const attribute of ['Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'UpdatePolicy', 'CreationPolicy']) {
    const value = resource[attribute] === undefined ? undefined : simplify(resource[attribute]);
    if (value !== undefined && value !== 'Delete' && !isEmpty(value)) summary[attribute] = value;
  }
  return summary;
}

/** The rule ids of a resource's policy-gate acknowledgements (cdk-nag's metadata), sorted. */
function acknowledgedRules(resource: TemplateJson): string[] {
  const acknowledgements: { id: string }[] = resource.Metadata?.cdk_nag?.rules_to_suppress ?? [];
  // cdk-nag writes the pack before its own rule ids: AwsSolutions::AwsSolutions-IAM5.
  const ids = acknowledgements.map(({ id }) => id.replace(/^([\w-]+)::(?=\1-)/, ''));
  return [...new Set(ids)].sort(compare);
}

function acknowledgedEverywhere(resources: Record<string, TemplateJson>): string[] {
  const all = Object.values(resources).map(acknowledgedRules);
  if (all.length === 0) return [];
  return all[0].filter((id) => all.every((ids) => ids.includes(id)));
}

// ---------------------------------------------------------------------------------------------
// Values: intrinsics become text, long text becomes a digest, policies become one line a statement.

/** A template value once simplified: text leaves, plain objects and arrays. */
type Simple = string | number | boolean | null | Simple[] | { [key: string]: Simple };

function simplify(value: unknown, key?: string): Simple {
  if (key !== undefined && POLICY_DOCUMENT_KEYS.has(key) && isPolicyDocument(value)) return summarizePolicy(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string' || isIntrinsic(value)) {
    const refs = new Set<string>();
    return digestIfLong(text(value, refs), refs);
  }
  if (Array.isArray(value)) return value.map((item) => simplify(item));
  const result: Record<string, Simple> = {};
  for (const [childKey, child] of Object.entries(value as TemplateJson).sort(([a], [b]) => compare(a, b))) {
    if (!NOISE_KEYS.has(childKey)) result[childKey] = simplify(child, childKey);
  }
  return result;
}

/** `{}` and `[]`: a property that sets nothing. */
function isEmpty(value: Simple): boolean {
  return value !== null && typeof value === 'object' && Object.keys(value).length === 0;
}

function isIntrinsic(value: unknown): value is TemplateJson {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

/** A value as one string, references written `<LogicalId>`; records what it references. */
function text(value: unknown, refs: Set<string>): string {
  if (typeof value === 'string') return value.replace(ASSET_HASH, ASSET_HASH_TOKEN);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return `[${value.map((item) => text(item, refs)).join(', ')}]`;
  if (!isIntrinsic(value)) return inline(simplify(value));
  const [name, argument] = Object.entries(value)[0] as [string, any];
  switch (name) {
    case 'Ref':
      if (!String(argument).startsWith('AWS::')) refs.add(argument);
      return `<${argument}>`;
    case 'Fn::GetAtt': {
      const [id, attribute] = typeof argument === 'string' ? argument.split(/\.(.*)/) : argument;
      const name = `${id}.${text(attribute, refs)}`;
      refs.add(name);
      return `<${name}>`;
    }
    case 'Fn::Join':
      return (argument[1] as unknown[]).map((part) => text(part, refs)).join(argument[0]);
    case 'Fn::Base64':
      return text(argument, refs); // an encoding, not content
    case 'Fn::Sub': {
      const [body, variables] = (typeof argument === 'string' ? [argument, {}] : argument) as [string, Record<string, unknown>];
      return text(body, refs).replace(/\$\{(!?)([^}]*)\}/g, (_whole, literal: string, name: string) => {
        if (literal) return `\${${name}}`; // ${!Name} is the text ${Name}
        if (name in variables) return text(variables[name], refs);
        if (!name.startsWith('AWS::')) refs.add(name);
        return `<${name}>`;
      });
    }
    case 'Fn::GetAZs':
      return `GetAZs(${argument === '' ? '' : text(argument, refs)})`;
    default: {
      const args = Array.isArray(argument) ? argument : [argument];
      return `${name.replace(/^Fn::/, '')}(${args.map((item) => text(item, refs)).join(', ')})`;
    }
  }
}

/** Text a reviewer would not read in a snapshot (a script, inline code) as its size, hash and references. */
function digestIfLong(value: string, refs: Set<string>): string {
  const lines = value.split('\n');
  if (lines.length === 1 && value.length <= LONG_STRING) return value;
  const hash = crypto.createHash('sha256').update(value).digest('hex').slice(0, 12);
  const size = lines.length > 1 ? `${lines.length} lines` : `${value.length} characters`;
  const referenced =
    refs.size > 0
      ? `; references ${[...refs]
          .sort(compare)
          .map((ref) => `<${ref}>`)
          .join(' ')}`
      : '';
  return `(text: ${size}, sha256 ${hash}${referenced})`;
}

interface PolicyDocument {
  Statement: TemplateJson | TemplateJson[];
}

function isPolicyDocument(value: unknown): value is PolicyDocument {
  return typeof value === 'object' && value !== null && 'Statement' in value;
}

/** One line per statement: `Allow <actions> on <resources> [to <principal>] [if <condition>]`. */
function summarizePolicy(document: PolicyDocument): Simple {
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return statements.map((statement) => {
    const { Effect, Action, NotAction, Resource, NotResource, Principal, NotPrincipal, Condition, Sid, ...rest } = statement;
    void Sid; // a label
    const list = (value: unknown) => (Array.isArray(value) ? value : [value]).map((item) => text(item, new Set())).join(' ');
    const parts = [String(Effect)];
    if (Action !== undefined) parts.push(list(Action));
    if (NotAction !== undefined) parts.push(`any action but ${list(NotAction)}`);
    if (Resource !== undefined) parts.push(`on ${list(Resource)}`);
    if (NotResource !== undefined) parts.push(`on any resource but ${list(NotResource)}`);
    if (Principal !== undefined) parts.push(`to ${principal(Principal)}`);
    if (NotPrincipal !== undefined) parts.push(`to any principal but ${principal(NotPrincipal)}`);
    if (Condition !== undefined) parts.push(`if ${inline(simplify(Condition))}`);
    if (Object.keys(rest).length > 0) parts.push(inline(simplify(rest)));
    return parts.join(' ');
  });
}

function principal(value: unknown): string {
  if (typeof value === 'string') return value;
  return Object.entries(value as TemplateJson)
    .sort(([a], [b]) => compare(a, b))
    .map(([kind, ids]) => `${kind} ${(Array.isArray(ids) ? ids : [ids]).map((id) => text(id, new Set())).join(' ')}`)
    .join(', ');
}

// ---------------------------------------------------------------------------------------------
// Layout: `key: value` on one line when it fits; else the keys of an object packed a few to a
// line and the items of an array one a line, YAML-like.

function emit(lines: string[], indent: number, key: string, value: Simple): void {
  const pad = ' '.repeat(indent);
  const oneLine = `${pad}${key}: ${inline(value)}`;
  if (!isNested(value) || (oneLine.length <= WIDTH && inlineable(value))) {
    lines.push(oneLine);
    return;
  }
  lines.push(`${pad}${key}:`);
  emitChildren(lines, indent + 2, value);
}

function emitItem(lines: string[], indent: number, item: Simple, marker: string): void {
  const pad = ' '.repeat(indent);
  const oneLine = `${pad}${marker} ${inline(item)}`;
  if (!isNested(item) || (oneLine.length <= WIDTH && inlineable(item))) {
    lines.push(oneLine);
    return;
  }
  lines.push(`${pad}${marker}`);
  emitChildren(lines, indent + 2, item);
}

function emitChildren(lines: string[], indent: number, value: Simple[] | { [key: string]: Simple }): void {
  if (Array.isArray(value)) {
    for (const run of runs(value)) emitItem(lines, indent, run.item, run.count > 1 ? `- (${run.count} items)` : '-');
    return;
  }
  const pad = ' '.repeat(indent);
  let packed = '';
  const flush = () => {
    if (packed !== '') lines.push(pad + packed);
    packed = '';
  };
  for (const [key, child] of Object.entries(value)) {
    const piece = `${key}: ${inline(child)}`;
    if (isNested(child) && (pad.length + piece.length > WIDTH || !inlineable(child))) {
      flush();
      emit(lines, indent, key, child);
    } else if (packed !== '' && pad.length + packed.length + 2 + piece.length > WIDTH) {
      flush();
      packed = piece;
    } else {
      packed = packed === '' ? piece : `${packed}, ${piece}`;
    }
  }
  flush();
}

/**
 * Whether a value reads well on one line: not when it holds several sentences (policy statements),
 * which a comma between them would run together.
 */
function inlineable(value: Simple): boolean {
  if (value === null || typeof value !== 'object') return true;
  const children = Object.values(value);
  if (Array.isArray(value) && value.length > 1 && value.some((item) => typeof item === 'string' && /\s/.test(item))) return false;
  return children.every(inlineable);
}

function isNested(value: Simple): value is Simple[] | { [key: string]: Simple } {
  return value !== null && typeof value === 'object' && Object.keys(value).length > 0;
}

/**
 * An array as runs of items that differ only in numbers counting up by one (an EFA interface per
 * network card, a device per interface): one item each, its counting numbers written `first..last`.
 * Runs shorter than three stay as their items.
 */
function runs(items: Simple[]): { item: Simple; count: number }[] {
  const result: { item: Simple; count: number }[] = [];
  let start = 0;
  while (start < items.length) {
    let end = start + 1;
    const step = end < items.length ? numberSteps(items[start], items[end]) : undefined;
    if (step !== undefined) {
      while (end + 1 < items.length && sameSteps(numberSteps(items[end], items[end + 1]), step)) end++;
    }
    if (step !== undefined && end - start + 1 >= 3) {
      result.push({ item: countingItem(items[start], items[end]), count: end - start + 1 });
      start = end + 1;
    } else {
      result.push({ item: items[start], count: 1 });
      start++;
    }
  }
  return result;
}

/** The numbers of an item, once written inline: `uverbs12` holds 12. */
function numbersOf(item: Simple): { shape: string; numbers: number[] } {
  const written = inline(item);
  return { shape: written.replace(/\d+/g, '#'), numbers: (written.match(/\d+/g) ?? []).map(Number) };
}

/** How each number grows from one item to the next (0 or 1), or undefined when they are not alike. */
function numberSteps(a: Simple, b: Simple): number[] | undefined {
  const [first, second] = [numbersOf(a), numbersOf(b)];
  if (first.shape !== second.shape || keysOf(a) !== keysOf(b)) return undefined;
  const steps = first.numbers.map((value, index) => second.numbers[index] - value);
  return steps.every((step) => step === 0 || step === 1) && steps.includes(1) ? steps : undefined;
}

/** The keys of an item at every depth: items of one run differ in values only. */
function keysOf(item: Simple): string {
  if (item === null || typeof item !== 'object') return '';
  if (Array.isArray(item)) return `[${item.map(keysOf).join(',')}]`;
  return `{${Object.entries(item)
    .map(([key, child]) => `${key}:${keysOf(child)}`)
    .join(',')}}`;
}

function sameSteps(a: number[] | undefined, b: number[]): boolean {
  return a !== undefined && a.length === b.length && a.every((step, index) => step === b[index]);
}

/** The first item of a run with each number that counts written `first..last`. */
function countingItem(first: Simple, last: Simple): Simple {
  if (typeof first === 'number' && typeof last === 'number') return first === last ? first : `${first}..${last}`;
  if (typeof first === 'string' && typeof last === 'string') {
    const lastNumbers = last.match(/\d+/g) ?? [];
    let index = 0;
    return first.replace(/\d+/g, (digits) => {
      const end = lastNumbers[index++];
      return end === digits ? digits : `${digits}..${end}`;
    });
  }
  if (Array.isArray(first) && Array.isArray(last)) return first.map((item, index) => countingItem(item, last[index]));
  if (first !== null && typeof first === 'object' && last !== null && typeof last === 'object') {
    return Object.fromEntries(
      Object.entries(first).map(([key, value]) => [key, countingItem(value, (last as Record<string, Simple>)[key])]),
    );
  }
  return first;
}

/** A simplified value on one line: `{Key: value, ...}`, `[a, b]`, strings quoted only when ambiguous. */
function inline(value: Simple): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, child]) => `${key}: ${inline(child)}`)
      .join(', ')}}`;
  }
  if (typeof value !== 'string') return String(value);
  // Quoted only when it would read as another type, or its edges would not show.
  const ambiguous = value === '' || /^(true|false|null|-?\d+(\.\d+)?)$/.test(value) || /^\s|\s$/.test(value);
  return ambiguous ? JSON.stringify(value) : value;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
