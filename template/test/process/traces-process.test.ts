// Traces from the production entry: dist/index.js started with only OTEL_EXPORTER_OTLP_ENDPOINT set
// (so the spec's default protocol, http/protobuf) sends its spans to a receiver on 127.0.0.1, the
// last of them on SIGTERM; and the build loads the SDK only on demand.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../src/auth/sign-token';
import { TEST_SECRET } from '../helpers/app-process';
import { startOtlpReceiver } from '../helpers/otlp-receiver';

const project = join(import.meta.dirname, '../..');
const elsewhere = mkdtempSync(join(tmpdir(), 'switchyard-traces-'));
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let child: ChildProcess;
let base: string;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: project, stdio: 'pipe' });
  child = spawn(process.execPath, [join(project, 'dist/index.js')], {
    cwd: elsewhere,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      JWT_SECRET: TEST_SECRET,
      PORT: '0',
      DATABASE_URL: `file:${join(elsewhere, 'app.db')}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: 'traced-process',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      const listening = /"port":(\d+)[^\n]*"msg":"listening"/.exec(output);
      if (listening) resolve(Number(listening[1]));
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    child.once('exit', () => reject(new Error(`dist/index.js exited:\n${output}`)));
  });
  base = `http://127.0.0.1:${port}`;
}, 60_000);
afterAll(async () => {
  child?.kill('SIGKILL');
  await receiver?.close();
  rmSync(elsewhere, { recursive: true, force: true });
});

describe('node dist/index.js with OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('imports the SDK packages only dynamically, so an untraced start loads the API alone', () => {
    const bundle = readFileSync(join(project, 'dist/index.js'), 'utf8');
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
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    expect(receiver.exports.length).toBeGreaterThan(0);
    expect(receiver.exports.map((sent) => sent.contentType)).toContain('application/x-protobuf');
    const bytes = Buffer.concat(receiver.exports.map((sent) => sent.body)).toString('latin1');
    expect(bytes).toContain('POST /api/v1/chatbot/apps');
    expect(bytes).toContain('traced-process');
  });
});
