import * as fs from 'node:fs';
import * as path from 'node:path';
import { efaInstanceTypeNames, findEfaInstanceType, suggestEfaInstanceTypes } from '../../lib/hpc/efa-instance-types';

const CATALOG_PATH = path.join(__dirname, '..', '..', 'lib', 'hpc', 'efa-catalog.json');

/** The types the HPC profiles and the documentation rely on. */
const REQUIRED_TYPES = [
  'c5n.18xlarge',
  'c6gn.16xlarge',
  'c7gn.16xlarge',
  'hpc6a.48xlarge',
  'hpc6id.32xlarge',
  'hpc7a.96xlarge',
  'hpc7g.16xlarge',
  'm5n.24xlarge',
  'r5n.24xlarge',
  'g5.48xlarge',
  'p4d.24xlarge',
  'p5.48xlarge',
  'trn1.32xlarge',
];

test('the catalog knows every type the profiles and docs use', () => {
  expect(efaInstanceTypeNames()).toEqual(expect.arrayContaining(REQUIRED_TYPES));
});

test('every entry is complete and plausible', () => {
  for (const name of efaInstanceTypeNames()) {
    const entry = findEfaInstanceType(name)!;
    expect(['x86_64', 'arm64']).toContain(entry.architecture);
    expect(entry.maxEfaInterfaces).toBeGreaterThanOrEqual(1);
    expect(entry.maximumNetworkCards).toBeGreaterThanOrEqual(1);
    expect(entry.vcpus).toBeGreaterThan(0);
    expect(entry.memoryMiB).toBeGreaterThan(0);
    expect(entry.gpus).toBeGreaterThanOrEqual(0);
  }
});

test('figures the stack depends on', () => {
  expect(findEfaInstanceType('p5.48xlarge')).toMatchObject({ maxEfaInterfaces: 32, maximumNetworkCards: 32, gpus: 8 });
  expect(findEfaInstanceType('p4d.24xlarge')).toMatchObject({ maxEfaInterfaces: 4, maximumNetworkCards: 4 });
  expect(findEfaInstanceType('hpc7g.16xlarge')).toMatchObject({ architecture: 'arm64', vcpus: 64 });
  expect(findEfaInstanceType('c5n.18xlarge')).toMatchObject({ maxEfaInterfaces: 1, vcpus: 72, memoryMiB: 196608 });
});

test('the file is in its canonical form (sorted keys, 2-space indent, trailing newline), so regeneration diffs stay small', () => {
  const text = fs.readFileSync(CATALOG_PATH, 'utf8');
  const sortKeys = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
        )
      : value;
  expect(text).toBe(`${JSON.stringify(sortKeys(JSON.parse(text)), null, 2)}\n`);
});

test('unknown or non-EFA types are not found, including inherited object keys', () => {
  expect(findEfaInstanceType('m5.large')).toBeUndefined();
  expect(findEfaInstanceType('constructor')).toBeUndefined();
});

test('suggestions: same family first, then same size, never empty', () => {
  expect(suggestEfaInstanceTypes('m5.large')).toEqual(['m5dn.24xlarge', 'm5n.24xlarge', 'm5zn.12xlarge']);
  expect(suggestEfaInstanceTypes('c6g.16xlarge')[0]).toBe('c6gn.16xlarge');
  expect(suggestEfaInstanceTypes('r7i.16xlarge')).toEqual(['r7i.48xlarge', 'r7iz.32xlarge', 'r7a.48xlarge', 'r7g.16xlarge']);
  expect(suggestEfaInstanceTypes('g6.xlarge')).toEqual(['g6.8xlarge', 'g6e.8xlarge']);
  // Bare metal only when a metal size was asked for.
  expect(suggestEfaInstanceTypes('m5.large').some((name) => name.includes('metal'))).toBe(false);
  expect(suggestEfaInstanceTypes('x9.tiny').length).toBeGreaterThan(0);
});
