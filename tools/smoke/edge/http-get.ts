import * as http from 'node:http';
import * as https from 'node:https';

/** One answer, its body cut at MAX_BODY_BYTES. */
export interface HttpAnswer {
  readonly status: number;
  /** Lower-case names, as Node gives them. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** The sample objects are a few KB; anything longer is not what the check expects anyway. */
const MAX_BODY_BYTES = 1024 * 1024;

/** An origin (`https://host[:port]`) and a path sent exactly as written. */
export interface RawUrl {
  readonly origin: string;
  readonly path: string;
}

/**
 * Splits a URL into its origin and its path without normalizing the path. The WHATWG URL parser
 * (and fetch with it) turns `/ads/%2e%2e/index.html` into `/index.html` before sending, so the
 * hostile request would never leave as the stack's HostileUrl writes it; node:http sends the path
 * as given.
 */
export function rawUrl(url: string): RawUrl {
  const match = /^(https?:\/\/[^/?#]+)([^#]*)$/i.exec(url);
  if (!match) throw new Error(`${url} is not an http(s) URL`);
  return { origin: new URL(match[1]).origin, path: match[2] === '' ? '/' : match[2] };
}

/**
 * GET over node:http or node:https, through `agent` (one kept-alive agent per run, so the
 * second request for the sample rides the same connection to the same edge location), given up
 * when `signal` aborts.
 */
export function httpGet(url: RawUrl, options: { agent: http.Agent | https.Agent; signal: AbortSignal }): Promise<HttpAnswer> {
  const { protocol, hostname, port } = new URL(url.origin);
  const client = protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      {
        protocol,
        hostname,
        port: port === '' ? undefined : Number(port),
        path: url.path,
        method: 'GET',
        agent: options.agent,
        signal: options.signal,
        headers: { 'user-agent': 'distributed-compute-reference npm run smoke' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_BODY_BYTES) chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () => {
          const headers: Record<string, string | undefined> = {};
          for (const [name, value] of Object.entries(response.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** A one-line reason for a request that got no answer. */
export function describeRequestFailure(error: unknown, url: RawUrl, timeoutMs: number): string {
  const { name, code, message } = error as { name?: string; code?: string; message?: string };
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer from ${url.origin} within ${timeoutMs / 1000} s`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `cannot resolve ${new URL(url.origin).hostname}: is the distribution's DNS name (or your custom domain) set up?`;
  return `${url.origin}${url.path}: ${code ?? name ?? 'Error'}: ${message ?? String(error)}`;
}
