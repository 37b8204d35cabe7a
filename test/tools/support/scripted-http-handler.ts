import { HttpResponse } from '@smithy/core/protocols';
import { Readable } from 'node:stream';

/** One canned HTTP answer. */
export interface CannedResponse {
  readonly statusCode: number;
  readonly body: string;
  readonly contentType: string;
}

/**
 * A transport that answers each request with the next canned response, so a real SDK client
 * runs its whole middleware stack (signing, retries, deserialization) without a network.
 * aws-sdk-client-mock replaces `send()` itself and so skips the SDK's retry logic: retry
 * behaviour can only be tested one layer further down, here.
 */
export function scriptedHttpHandler(responses: readonly CannedResponse[]) {
  const queue = [...responses];
  let requests = 0;
  return {
    get requests() {
      return requests;
    },
    handler: {
      async handle() {
        requests += 1;
        const next = queue.shift();
        if (next === undefined) throw new Error('scriptedHttpHandler: no canned response left');
        return {
          response: new HttpResponse({
            statusCode: next.statusCode,
            headers: { 'content-type': next.contentType, 'x-amzn-requestid': `request-${requests}` },
            body: Readable.from([Buffer.from(next.body)]),
          }),
        };
      },
    },
  };
}
