import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One span as the receiver got it, flattened out of the OTLP/JSON export request. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  status: { code?: number; message?: string };
  attributes: Record<string, string | number | boolean>;
  /** The resource's attributes (service.name …). */
  resource: Record<string, string | number | boolean>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
type OtlpAttributes = { key: string; value: OtlpValue }[] | undefined;

const flatten = (attributes: OtlpAttributes) =>
  Object.fromEntries(
    (attributes ?? []).map(({ key, value }) => [
      key,
      value.stringValue ??
        (value.intValue !== undefined
          ? Number(value.intValue)
          : (value.doubleValue ?? value.boolValue ?? '')),
    ]),
  );

/**
 * A real OTLP/HTTP trace receiver on 127.0.0.1 (POST /v1/traces; spans parsed from the JSON encoding), as a collector
 * would be: the app's exporter sends to it over the socket, and the test reads what arrived.
 */
export async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  /** Every export as it arrived; a protobuf one is kept only here (the test reads its bytes). */
  const exports: { contentType: string; body: Buffer }[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (request.method !== 'POST' || request.url !== '/v1/traces') {
      response.writeHead(404).end();
      return;
    }
    const contentType = String(request.headers['content-type']);
    exports.push({ contentType, body: Buffer.concat(chunks) });
    response.writeHead(200, { 'content-type': contentType }).end();
    if (contentType !== 'application/json') return;
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    for (const resourceSpans of body.resourceSpans ?? []) {
      const resource = flatten(resourceSpans.resource?.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            kind: span.kind,
            status: span.status ?? {},
            attributes: flatten(span.attributes),
            resource,
          });
        }
      }
    }
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    exports,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
