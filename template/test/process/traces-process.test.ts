// Traces from the production entry: dist/index.js started with only OTEL_EXPORTER_OTLP_ENDPOINT set
// (so the spec's default protocol, http/protobuf) sends its spans to a receiver on 127.0.0.1, the
// last of them on SIGTERM; and the build loads the SDK only on demand.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../src/auth/sign-token';
import { TEST_SECRET } from '../helpers/app-process';
import { type BuiltApp, builtEntry, startBuiltApp } from '../helpers/built-app';
import { startOtlpReceiver } from '../helpers/otlp-receiver';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let built: BuiltApp;
let base: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  built = await startBuiltApp({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_SERVICE_NAME: 'traced-process',
  });
  base = built.base;
}, 60_000);
afterAll(async () => {
  built?.stop('SIGKILL');
  await receiver?.close();
});

describe('node dist/index.js with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('imports the SDK packages only dynamically, so an untraced start loads the API alone', () => {
    const bundle = readFileSync(builtEntry, 'utf8');
    const staticImports = [...bundle.matchAll(/^import [^;]*? from "(@opentelemetry\/[^"]+)"/gms)].map(
      (match) => match[1],
    );
    expect(new Set(staticImports)).toEqual(new Set(['@opentelemetry/api']));
    expect(bundle).toContain('import("@opentelemetry/sdk-trace")');
  });

  it('exports the request spans as OTLP protobuf, flushed when it stops on SIGTERM', async () => {
    const token = await signDevToken(TEST_SECRET, { sub: 'alice' });
    const created = await fetch(`${base}/api/v1/chatbot/apps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(created.status).toBe(201);
    // Well before the batch processor's 5 s delay: what arrives was sent by the shutdown.
    const exited = new Promise((resolve) => built.child.once('exit', resolve));
    built.child.kill('SIGTERM');
    await exited;
    expect(receiver.exports.length).toBeGreaterThan(0);
    expect(receiver.exports.map((sent) => sent.contentType)).toContain('application/x-protobuf');
    const bytes = Buffer.concat(receiver.exports.map((sent) => sent.body)).toString('latin1');
    expect(bytes).toContain('POST /api/v1/chatbot/apps');
    expect(bytes).toContain('traced-process');
  });
});
