import type { CloudFrontRequest, CloudFrontRequestEvent, CloudFrontResultResponse } from 'aws-lambda';
import { handler } from '../../lambda-edge/geo-router/index';
import { originRequestEvent } from './fixtures/cloudfront-events';

/** Lets a test feed the handler something that is not a CloudFront event at all. */
const asEvent = (value: unknown) => value as CloudFrontRequestEvent;

describe('Lambda@Edge origin-request handler: CloudFront shapes', () => {
  test('returns the received request with only the uri rewritten and the query string filtered', async () => {
    const event = originRequestEvent({ uri: '/ads/hero.jpg', countryValues: ['SE'], querystring: 'size=large&v=3' });
    const expected = { ...structuredClone(event.Records[0].cf.request), uri: '/ads/nordics/hero.jpg', querystring: 'v=3' };

    const result = (await handler(event)) as CloudFrontRequest;

    expect(result).toEqual(expected);
    expect(result.origin?.s3?.domainName).toBe('edge-content-example.s3.us-east-1.amazonaws.com');
  });

  test('returns a non-/ads/ request with its path as received', async () => {
    const event = originRequestEvent({ uri: '/index.html', countryValues: ['DE'], querystring: '' });
    const received = structuredClone(event.Records[0].cf.request);

    expect(await handler(event)).toEqual(received);
  });

  test('responses generated at origin request are cached by CloudFront, so they say no-store (held by a MinTTL of 0)', async () => {
    const response = (await handler(originRequestEvent({ uri: '/ads/../etc/passwd', countryValues: ['DE'] }))) as CloudFrontResultResponse;

    expect(response).toEqual({
      status: '400',
      statusDescription: 'Bad Request',
      headers: {
        'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
        'content-type': [{ key: 'Content-Type', value: 'text/plain; charset=utf-8' }],
      },
      body: 'Bad Request: path contains a dot segment\n',
    });
    for (const name of Object.keys(response.headers ?? {})) expect(name).toBe(name.toLowerCase());
  });

  test('answers an over-long rewrite with a 414 response, no-store, a fixed body', async () => {
    const response = (await handler(
      originRequestEvent({ uri: `/ads/${'x'.repeat(8190)}`, countryValues: ['DE'] }),
    )) as CloudFrontResultResponse;
    expect(response).toEqual({
      status: '414',
      statusDescription: 'URI Too Long',
      headers: {
        'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
        'content-type': [{ key: 'Content-Type', value: 'text/plain; charset=utf-8' }],
      },
      body: "URI Too Long: the routed URI would reach CloudFront's limit of 8192 characters\n",
    });
  });

  test('does not echo the request path into the response body', async () => {
    const response = (await handler(originRequestEvent({ uri: '/ads/<script>%00', countryValues: ['DE'] }))) as CloudFrontResultResponse;
    expect(response.body).not.toContain('<script>');
  });
});

describe('Lambda@Edge origin-request handler: malformed events get 400, never an error', () => {
  const throwingRecords = Object.defineProperty({}, 'Records', {
    get() {
      throw new Error('boom');
    },
  });

  test.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'not an event'],
    ['an empty object', {}],
    ['Records not an array', { Records: {} }],
    ['empty Records', { Records: [] }],
    ['record without cf', { Records: [{}] }],
    ['cf without request', { Records: [{ cf: { config: { eventType: 'origin-request' } } }] }],
    ['request without uri', { Records: [{ cf: { request: { method: 'GET', headers: {} } } }] }],
    ['uri not a string', { Records: [{ cf: { request: { uri: 42, headers: {} } } }] }],
    ['a throwing getter', throwingRecords],
  ])('%s', async (_name, event) => {
    const response = (await handler(asEvent(event))) as CloudFrontResultResponse;
    expect(response.status).toBe('400');
    expect(response.headers?.['cache-control']).toEqual([{ key: 'Cache-Control', value: 'no-store' }]);
  });

  test.each([
    ['headers missing', undefined],
    ['country header not an array', { 'cloudfront-viewer-country': { value: 'DE' } }],
    ['country header empty array', { 'cloudfront-viewer-country': [] }],
    ['country entry without value', { 'cloudfront-viewer-country': [{ key: 'CloudFront-Viewer-Country' }] }],
    ['country value not a string', { 'cloudfront-viewer-country': [{ key: 'CloudFront-Viewer-Country', value: 49 }] }],
  ])('an odd country header (%s) only means the default variant', async (_name, headers) => {
    const event = asEvent({ Records: [{ cf: { request: { uri: '/ads/a.png', querystring: '', headers } } }] });
    expect(await handler(event)).toMatchObject({ uri: '/ads/global/a.png' });
  });
});
