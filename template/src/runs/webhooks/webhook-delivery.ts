import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

export interface DeliveryOutcome {
  ok: boolean;
  /** The HTTP status, or 0 when none came back. */
  status: number;
  error?: string;
}

/**
 * POSTs `body` once. A 2xx is a delivery; anything else (a 3xx too: redirects are not followed, so
 * a receiver cannot bounce the call to an address the target check refused) is a failed attempt.
 * node:http rather than fetch, because its `lookup` option lets the target check see the address
 * the socket connects to.
 */
export function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { lookup: LookupFunction; timeoutMs: number },
): Promise<DeliveryOutcome> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const request = send(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
        lookup: options.lookup,
        timeout: options.timeoutMs,
      },
      (response) => {
        response.resume(); // the answer's body is not read, only drained
        const status = response.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        resolve({ ok, status, error: ok ? undefined : `the receiver answered ${status}` });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    request.on('error', (error) => resolve({ ok: false, status: 0, error: error.message }));
    request.end(body);
  });
}
