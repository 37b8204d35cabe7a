import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readRouteVariants } from '../../../lib/edge/edge-sources';
import { NOT_FOUND_PAGE_KEY, sampleObjects } from '../../../lib/edge/sample-ads';
import { rawUrl } from '../../../tools/smoke/edge/http-get';
import { describeFailure } from '../../../tools/shared/failure-line';
import { actionsSent, deployStacks, expectDocsExample, FakeClock, resetMocks, rowsByCheck, runSmoke } from './smoke-harness';

/** EdgeStack's outputs on a real distribution; the tests send the same paths to a server on loopback. */
const EDGE_OUTPUTS = {
  DistributionDomainName: 'd111111abcdef8.cloudfront.net',
  EdgeMode: 'lambda-edge',
  SampleUrl: 'https://d111111abcdef8.cloudfront.net/ads/banner.svg',
  MissingObjectUrl: 'https://d111111abcdef8.cloudfront.net/ads/no-such-ad.svg',
  HostileUrl: 'https://d111111abcdef8.cloudfront.net/ads/%2e%2e/index.html',
};

const OBJECTS = new Map(sampleObjects(readRouteVariants()).map((object) => [object.key, object.body]));

/** The headers CloudFront adds for the ads behavior's response headers policy, written out as a viewer receives them. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'SAMEORIGIN',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'strict-transport-security': 'max-age=31536000',
};

/** How the stand-in distribution answers; each test changes what it needs. */
interface Behaviour {
  sample: (count: number) => { status: number; headers: Record<string, string>; body: string } | 'hang';
  missing: () => { status: number; body: string; type?: string };
  hostile: () => number;
}

const healthy = (): Behaviour => ({
  sample: (count) => ({
    status: 200,
    headers: {
      'content-type': 'image/svg+xml',
      ...SECURITY_HEADERS,
      'x-cache': count === 1 ? 'Miss from cloudfront' : 'Hit from cloudfront',
      'x-amz-cf-pop': 'FRA56-P5',
    },
    body: OBJECTS.get('ads/dach/banner.svg')!,
  }),
  missing: () => ({ status: 404, body: OBJECTS.get(NOT_FOUND_PAGE_KEY)! }),
  hostile: () => 400,
});

let server: http.Server;
let origin: string;
let behaviour: Behaviour;
let paths: string[];
let connections: number;
let onRequest: () => void;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    paths.push(request.url ?? '');
    onRequest();
    if (request.url === '/ads/banner.svg') {
      const answer = behaviour.sample(paths.filter((path) => path === '/ads/banner.svg').length);
      if (answer === 'hang') return;
      response.writeHead(answer.status, answer.headers).end(answer.body);
    } else if (request.url === '/ads/no-such-ad.svg') {
      const answer = behaviour.missing();
      response.writeHead(answer.status, { 'content-type': answer.type ?? 'text/html' }).end(answer.body);
    } else if (request.url === '/ads/%2e%2e/index.html') {
      response.writeHead(behaviour.hostile(), { 'cache-control': 'no-store' }).end();
    } else {
      // What a normalizing client would have asked for instead of the hostile path.
      response.writeHead(200, { 'content-type': 'text/html' }).end(OBJECTS.get('index.html'));
    }
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  behaviour = healthy();
  paths = [];
  connections = 0;
  onRequest = () => undefined;
  deployStacks({ EdgeStack: EDGE_OUTPUTS });
});
afterEach(() => {
  // Plain HTTP: the only AWS call there may be is reading the stack.
  expect(['cloudformation:DescribeStacks']).toEqual(expect.arrayContaining(actionsSent()));
  resetMocks();
});

const runEdge = async (clock = new FakeClock()) => {
  const run = await runSmoke(['EdgeStack', '--edge-url', origin, '--json'], { clock });
  return { ...run, rows: rowsByCheck(run.json().checks) };
};

test('the distribution answers as documented: every row passes, over one connection, the hostile path sent as written', async () => {
  const run = await runEdge();
  expect(run.exitCode).toBe(0);
  expect(run.json().checks.map((row) => [row.check, row.status])).toEqual([
    ['stack', 'pass'],
    ['sample', 'pass'],
    ['security headers', 'pass'],
    ['missing object', 'pass'],
    ['hostile URI', 'pass'],
    ['cache hit', 'pass'],
  ]);
  expect(run.rows['EdgeStack sample'].detail).toBe(
    `200 image/svg+xml from ${origin}/ads/banner.svg: variant "dach", the one for the country CloudFront places this machine in ` +
      '(edge.mode lambda-edge, X-Cache: Miss from cloudfront)',
  );
  expect(run.rows['EdgeStack missing object'].detail).toBe("404 with the stack's not-found page for /ads/no-such-ad.svg");
  expect(run.rows['EdgeStack hostile URI'].detail).toBe(
    '400 for /ads/%2e%2e/index.html: refused by the router, never forwarded to the bucket',
  );
  expect(run.rows['EdgeStack cache hit'].detail).toBe('second request: X-Cache: Hit from cloudfront (edge location FRA56-P5)');
  expect(paths).toEqual(['/ads/banner.svg', '/ads/no-such-ad.svg', '/ads/%2e%2e/index.html', '/ads/banner.svg']);
  expect(connections).toBe(1);
  expect(run.stderrLines).toEqual([`EdgeStack: GET ${origin}/ads/banner.svg`]);
});

test('the summary table, as the deploy sections show it (the loopback origin written as the distribution)', async () => {
  const { stdout } = await runSmoke(['EdgeStack', '--edge-url', origin]);
  // Only the last column holds the origin, and it is not padded: the table keeps its layout.
  const asDeployed = stdout.split(origin).join(`https://${EDGE_OUTPUTS.DistributionDomainName}`);
  expectDocsExample('docs/edge.md', 'edge', asDeployed);
  expectDocsExample('README.md', 'edge', asDeployed);
});

test('without --edge-url the requests go to the URLs of the stack outputs', async () => {
  deployStacks({
    EdgeStack: {
      ...EDGE_OUTPUTS,
      SampleUrl: `${origin}/ads/banner.svg`,
      MissingObjectUrl: `${origin}/ads/no-such-ad.svg`,
      HostileUrl: `${origin}/ads/%2e%2e/index.html`,
    },
  });
  const run = await runSmoke(['EdgeStack']);
  expect(run.exitCode).toBe(0);
  expect(paths).toEqual(['/ads/banner.svg', '/ads/no-such-ad.svg', '/ads/%2e%2e/index.html', '/ads/banner.svg']);
});

test('a body that is not one of the sample banners, and a wrong status', async () => {
  behaviour.sample = () => ({ status: 200, headers: { 'content-type': 'image/svg+xml', ...SECURITY_HEADERS }, body: '<svg></svg>' });
  expect((await runEdge()).rows['EdgeStack sample']).toMatchObject({
    status: 'fail',
    detail: expect.stringMatching(/, but not one of the sample banners \(variant unreadable; routes\.json has anz, benelux, dach, /),
  });
  behaviour.sample = () => ({ status: 502, headers: { 'content-type': 'text/html' }, body: 'Bad gateway' });
  expect((await runEdge()).rows['EdgeStack sample'].detail).toBe(`502 text/html from ${origin}/ads/banner.svg; expected 200 image/svg+xml`);
});

test('missing and wrong security headers are each named', async () => {
  behaviour.sample = (count) => {
    const { 'x-frame-options': _, ...rest } = SECURITY_HEADERS;
    return {
      status: 200,
      headers: {
        'content-type': 'image/svg+xml',
        ...rest,
        'strict-transport-security': 'max-age=300',
        'x-cache': count > 1 ? 'Hit from cloudfront' : 'Miss from cloudfront',
      },
      body: OBJECTS.get('ads/global/banner.svg')!,
    };
  };
  const run = await runEdge();
  expect(run.exitCode).toBe(1);
  expect(run.rows['EdgeStack security headers'].detail).toBe(
    'x-frame-options: (missing), expected SAMEORIGIN; strict-transport-security: max-age=300, expected max-age=31536000',
  );
  expect(run.rows['EdgeStack sample'].detail).toMatch(/variant "global"/);
});

test("a missing object answered 403 (S3's AccessDenied), or 404 without the page", async () => {
  behaviour.missing = () => ({ status: 403, body: '<Error><Code>AccessDenied</Code></Error>', type: 'application/xml' });
  expect((await runEdge()).rows['EdgeStack missing object'].detail).toMatch(
    /^403 for \/ads\/no-such-ad\.svg: S3 answered AccessDenied, so the origin access lacks s3:ListBucket/,
  );
  behaviour.missing = () => ({ status: 404, body: '<Error><Code>NoSuchKey</Code></Error>', type: 'application/xml' });
  expect((await runEdge()).rows['EdgeStack missing object'].detail).toBe(
    "404 for /ads/no-such-ad.svg, without the stack's not-found page; expected 404 with the not-found page",
  );
});

test('a hostile URI that gets through', async () => {
  behaviour.hostile = () => 200;
  expect((await runEdge()).rows['EdgeStack hostile URI']).toMatchObject({
    status: 'fail',
    detail: '200 for /ads/%2e%2e/index.html; the routing contract answers 400 (docs/edge.md)',
  });
});

test('no cache hit on the second request: the row names both edge locations', async () => {
  const healthySample = healthy().sample;
  behaviour.sample = (count) => {
    const answer = healthySample(count) as Exclude<ReturnType<Behaviour['sample']>, 'hang'>;
    return {
      ...answer,
      headers: { ...answer.headers, 'x-cache': 'Miss from cloudfront', 'x-amz-cf-pop': count === 1 ? 'FRA56-P5' : 'AMS1-C1' },
    };
  };
  expect((await runEdge()).rows['EdgeStack cache hit']).toMatchObject({
    status: 'fail',
    detail:
      'second request: X-Cache: Miss from cloudfront; expected Hit from cloudfront (the first from FRA56-P5, the second from AMS1-C1)',
  });
});

test('no answer within the timeout: the deadline passes on the fake clock, never in real time', async () => {
  const clock = new FakeClock();
  behaviour.sample = () => 'hang';
  onRequest = () => {
    if (paths.at(-1) === '/ads/banner.svg') setImmediate(() => clock.expireDeadlines());
  };
  const { rows } = await runEdge(clock);
  expect(rows['EdgeStack sample']).toMatchObject({ status: 'fail', detail: `no answer from ${origin} within 15 s` });
  expect(rows['EdgeStack security headers'].detail).toBe(`no answer to read them from: no answer from ${origin} within 15 s`);
  expect(rows['EdgeStack missing object'].status).toBe('pass');
});

test('nothing listening: every request fails with the reason', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const run = await runSmoke(['EdgeStack', '--edge-url', `http://127.0.0.1:${port}`, '--json']);
  expect(run.exitCode).toBe(1);
  expect(rowsByCheck(run.json().checks)['EdgeStack hostile URI'].detail).toMatch(
    new RegExp(`^http://127\\.0\\.0\\.1:${port}/ads/%2e%2e/index\\.html: ECONNREFUSED: `),
  );
});

test('--edge-url must be an origin', async () => {
  const failure = await runSmoke(['EdgeStack', '--edge-url', 'https://example.com/ads']).catch((error: unknown) => error);
  expect(describeFailure(failure)).toBe(
    '--edge-url="https://example.com/ads" is not an origin such as https://d111111abcdef8.cloudfront.net',
  );
});

test('URLs keep their path as written: no dot segment is resolved', () => {
  expect(rawUrl('https://d111111abcdef8.cloudfront.net/ads/%2e%2e/index.html')).toEqual({
    origin: 'https://d111111abcdef8.cloudfront.net',
    path: '/ads/%2e%2e/index.html',
  });
  expect(rawUrl('http://127.0.0.1:8080')).toEqual({ origin: 'http://127.0.0.1:8080', path: '/' });
});
