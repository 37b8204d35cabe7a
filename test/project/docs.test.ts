import * as fs from 'node:fs';
import * as path from 'node:path';
import { EDGE_KEYS, HPC_KEYS, WORKERS_KEYS } from '../../lib/config';

const ROOT = path.join(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** README.md, every guide in docs/, and the project files beside the README. */
const MARKDOWN_FILES = [
  'README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/**
 * The anchors GitHub gives the headings of a Markdown file: lower case, punctuation dropped,
 * spaces as hyphens, and `-1`, `-2` after a repeated heading.
 */
function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const headings = read(file)
    .replace(/^```[\s\S]*?^```/gm, '')
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line));
  for (const heading of headings) {
    const slug = heading
      .replace(/^#+ /, '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

/** Relative links `[text](target)`, outside code blocks. */
function relativeLinks(file: string): string[] {
  const text = read(file).replace(/^```[\s\S]*?^```/gm, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]).filter((target) => !/^(https?:|mailto:)/.test(target));
}

test.each(MARKDOWN_FILES)('every relative link in %s resolves, anchors included', (file) => {
  const broken: string[] = [];
  for (const link of relativeLinks(file)) {
    const [target, anchor] = link.split('#');
    const resolved = target === '' ? file : path.normalize(path.join(path.dirname(file), target));
    if (!fs.existsSync(path.join(ROOT, resolved))) broken.push(`${link} (no file ${resolved})`);
    else if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) broken.push(`${link} (no heading)`);
  }
  expect(broken).toEqual([]);
});

test('README.md stays a map: at most 250 lines', () => {
  expect(read('README.md').split('\n').length).toBeLessThanOrEqual(250);
});

test.each([
  ['docs/hpc.md', HPC_KEYS],
  ['docs/workers.md', WORKERS_KEYS],
  ['docs/edge.md', EDGE_KEYS],
])('%s has a configuration reference row for every key lib/config/ reads', (file, keys) => {
  const guide = read(file);
  const reference = guide.slice(guide.indexOf('## Configuration reference'));
  expect(guide).toContain('## Configuration reference');
  for (const key of keys) expect(reference).toContain(`| \`${key}\` |`);
});

test('the quickstart gives exactly the two commands .ci/run runs', () => {
  const ci = read('.ci/run');
  expect(read('README.md')).toContain('npm ci && npx cdk synth --quiet');
  expect(ci).toContain('npm ci && npx cdk synth --quiet');
  expect(ci).toMatch(/^npm test$/m);
});

test('LICENSE is the MIT-0 license package.json declares', () => {
  expect(JSON.parse(read('package.json')).license).toBe('MIT-0');
  expect(read('LICENSE')).toMatch(/MIT No Attribution/);
});
