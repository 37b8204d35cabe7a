import type { RouteVariants } from './edge-sources';

/** The one ad every variant carries; viewers request it as `/ads/banner.svg`. */
export const SAMPLE_AD_FILE = 'banner.svg';

/** The path a viewer requests; the edge function rewrites it to `/ads/<variant>/banner.svg`. */
export const SAMPLE_AD_REQUEST_PATH = `/ads/${SAMPLE_AD_FILE}`;

/** The page served at `/`: it shows the viewer's banner, so a browser is enough to try the stack. */
export const INDEX_PAGE_KEY = 'index.html';

/** The page CloudFront returns, with status 404, for an object the bucket does not hold. */
export const NOT_FOUND_PAGE_KEY = 'errors/404.html';

/** The title of the not-found page: how a client tells it from S3's own XML error. */
export const NOT_FOUND_PAGE_TITLE = 'Not found';

/** A path that names no object, for trying the 404 (a stack output). */
export const MISSING_AD_REQUEST_PATH = '/ads/no-such-ad.svg';

/** A path the routers refuse with 400 (an encoded dot-dot segment), for trying them (a stack output). */
export const HOSTILE_AD_REQUEST_PATH = '/ads/%2e%2e/index.html';

/** One object of the sample content: its S3 key and body. */
export interface SampleObject {
  readonly key: string;
  readonly body: string;
}

/**
 * The sample content, generated from routes.json at synth time so a new variant gets its
 * banner without anyone drawing one: `ads/<variant>/banner.svg` for every variant (the default
 * included), the landing page and the not-found page.
 */
export function sampleObjects(routes: RouteVariants): SampleObject[] {
  return [
    ...routes.variants.map((variant) => ({
      key: `ads/${variant}/${SAMPLE_AD_FILE}`,
      body: bannerSvg(variant, variant === routes.defaultVariant),
    })),
    { key: NOT_FOUND_PAGE_KEY, body: notFoundPage() },
    { key: INDEX_PAGE_KEY, body: indexPage() },
  ];
}

/** The label of a banner's title: its variant, marked when it is the default. */
const DEFAULT_MARK = ' (default)';

/**
 * Which variant a served banner is, read from its title (`Sample ad: dach`), or `undefined` when
 * the body is not one of the sample banners: how `npm run smoke` tells which variant the edge chose.
 */
export function bannerVariant(svg: string): string | undefined {
  const label = /<title>Sample ad: ([^<]+)<\/title>/.exec(svg)?.[1];
  return label?.endsWith(DEFAULT_MARK) ? label.slice(0, -DEFAULT_MARK.length) : label;
}

function bannerSvg(variant: string, isDefault: boolean): string {
  const label = isDefault ? `${variant}${DEFAULT_MARK}` : variant;
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="728" height="90" viewBox="0 0 728 90" role="img">',
    `  <title>Sample ad: ${escapeXml(label)}</title>`,
    `  <rect width="728" height="90" fill="hsl(${hueOf(variant)}, 60%, 40%)"/>`,
    `  <text x="364" y="55" font-family="sans-serif" font-size="32" fill="#fff" text-anchor="middle">${escapeXml(label)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function indexPage(): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<meta charset="utf-8">',
    '<title>Geo-routed ads</title>',
    '<h1>Geo-routed ads</h1>',
    `<p>The banner below is <code>${SAMPLE_AD_REQUEST_PATH}</code>. The edge function picks its variant from the`,
    'country CloudFront derives from your IP address; from another country you would see another variant.</p>',
    `<img src="${SAMPLE_AD_REQUEST_PATH}" alt="sample ad for your country" width="728" height="90">`,
    '',
  ].join('\n');
}

/** Small and fixed: it never echoes the requested path. */
function notFoundPage(): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<meta charset="utf-8">',
    `<title>${NOT_FOUND_PAGE_TITLE}</title>`,
    `<h1>${NOT_FOUND_PAGE_TITLE}</h1>`,
    '<p>There is no ad at this address, in your country\'s variant. <a href="/">Back to the start page</a>.</p>',
    '',
  ].join('\n');
}

/** A stable colour per variant, so variants are told apart at a glance. */
function hueOf(variant: string): number {
  let hash = 0;
  for (const char of variant) hash = (hash * 31 + char.charCodeAt(0)) % 360;
  return hash;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
