import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** Every context key lib/config.ts reads, found in its source: the docs cannot miss a new one. */
function configKeys(): string[] {
  const source = fs.readFileSync(path.join(ROOT, 'lib', 'config.ts'), 'utf8');
  return [...new Set([...source.matchAll(/read\('([a-z]+\.[A-Za-z0-9]+)'\)/g)].map((match) => match[1]))].sort();
}

test('the configuration reference lists every key lib/config.ts reads', () => {
  const keys = configKeys();
  expect(keys.length).toBeGreaterThan(5);
  const reference = readme.slice(readme.indexOf('## Configuration reference'));
  for (const key of keys) expect(reference).toContain(`| \`${key}\` |`);
});

test('the quickstart gives exactly the two commands .ci/run runs', () => {
  const ci = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
  expect(readme).toContain('npm ci && npx cdk synth --quiet');
  expect(ci).toContain('npm ci && npx cdk synth --quiet');
  expect(ci).toMatch(/^npm test$/m);
});

test('every relative link in the README points at a file that exists', () => {
  const links = [...readme.matchAll(/\]\(((?!https?:)[^)#]+)\)/g)].map((match) => match[1]);
  expect(links.length).toBeGreaterThan(10);
  for (const link of links) expect(fs.existsSync(path.join(ROOT, link))).toBe(true);
});
