// The step viewer and the steps route (issues 14 and 18):
// - first paint of an app with 1,000 steps: server time for the viewer page next to GET …/steps?limit=50
//   in the same run, and in Chromium (when CHROMIUM_PATH or /usr/bin/chromium exists) the time until the
//   first 50 rows are on screen; the page weight (HTML + JS + CSS bytes, raw and gzip);
// - issue 18's example (a 0.9 MB forked state plus 67 short prompts, `?limit=200`): bytes, ms and peak
//   RSS growth of one page, as the old route built it (every step's whole state, no byte bound) and as
//   it does now (writes; include=state), each in its own process so one peak does not hide another.
//
//   npx tsx bench/tracking.ts
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { chromium } from 'playwright-core';
import { toStepView } from '../src/api/views';
import { createApp } from '../src/app';
import { signDevToken } from '../src/auth/sign-token';
import { chatbotGraph } from '../src/chatbot/graph';
import { createLlmProvider } from '../src/chatbot/llm';
import { loadConfig } from '../src/config';
import { createDatabase } from '../src/db/client';
import { DrizzlePersister } from '../src/db/drizzle-persister';
import { GraphRunner } from '../src/engine';
import { startServer } from '../src/lib/serve';

async function benchApp() {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'bench-secret-that-is-at-least-32-bytes-long',
    DATABASE_URL: `file:${join(mkdtempSync(join(tmpdir(), 'switchyard-bench-')), 'app.db')}`,
    SCRIPTED_DELAY_MS: '0',
    RATE_LIMIT_PER_MIN: '100000000',
  });
  const database = await createDatabase(config.DATABASE_URL);
  await database.migrate();
  const built = createApp({
    config,
    logger: pino({ level: 'silent' }),
    database,
    llm: createLlmProvider(config),
  });
  const token = await signDevToken(config.JWT_SECRET as string, { sub: 'bench', ttlSeconds: 3600 });
  const request = (method: string, path: string, body?: unknown) =>
    built.app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const prompts = async (appId: string, count: number) => {
    for (let index = 0; index < count; index++)
      await request('POST', `/api/v1/chatbot/apps/${appId}/actions/prompt`, { prompt: `short ${index}` });
  };
  return { ...built, config, database, token, request, prompts };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function timed(run: () => Promise<Response>, times = 60) {
  const samples: number[] = [];
  let bytes = 0;
  for (let index = 0; index < times; index++) {
    const started = performance.now();
    const response = await run();
    bytes = (await response.arrayBuffer()).byteLength;
    samples.push(performance.now() - started);
  }
  return { ms: median(samples), bytes };
}

/** Viewer page vs GET …/steps?limit=50 on 1,002 steps; Chromium's time to the first 50 rows; weight. */
async function firstPaint() {
  const bench = await benchApp();
  await bench.request('POST', '/api/v1/chatbot/apps', { app_id: 'long' });
  await bench.prompts('long', 334);
  const page = await timed(async () => bench.app.request('/apps/chatbot/long'));
  const steps = await timed(async () => bench.request('GET', '/api/v1/chatbot/apps/long/steps?limit=50'));
  const script = readFileSync(new URL('../public/assets/viewer.js', import.meta.url));
  const html = Buffer.from(await (await bench.app.request('/apps/chatbot/long')).text());
  const weight = {
    html: html.length,
    js: script.length,
    gzip: gzipSync(html).length + gzipSync(script).length,
  };
  let browser: number | null = null;
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(executablePath)) {
    const server = await startServer({
      fetch: bench.app.fetch,
      port: 0,
      hostname: '127.0.0.1',
      shutdownTimeoutMs: 100,
      logger: pino({ level: 'silent' }),
    });
    const chrome = await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
    const tab = await chrome.newPage();
    const url = `http://127.0.0.1:${server.port}/apps/chatbot/long`;
    await tab.goto(url);
    await tab.evaluate((token) => localStorage.setItem('switchyard.token', token), bench.token);
    const runs: number[] = [];
    for (let index = 0; index < 5; index++) {
      await tab.goto(url);
      await tab.waitForFunction(() => document.querySelectorAll('#steps tbody tr').length >= 50);
      runs.push(await tab.evaluate(() => performance.now()));
    }
    browser = median(runs);
    await chrome.close();
    await server.shutdown();
  }
  await bench.runWorker.stop();
  return { page, steps, weight, browser };
}

type Variant = 'old' | 'writes' | 'state';

/** Issue 18's example, one page of `?limit=200`, measured in this process (run once per variant). */
async function memory(variant: Variant) {
  const bench = await benchApp();
  await bench.request('POST', '/api/v1/chatbot/apps', { app_id: 'source' });
  const big = [{ role: 'user', content: 'x'.repeat(900_000), type: 'text' }];
  await bench.request('POST', '/api/v1/chatbot/apps/source/fork', {
    app_id: 'big',
    state: { chat_history: big },
  });
  await bench.prompts('big', 67);
  // The old route's work, done by a runner of its own on the same database.
  const runner = new GraphRunner(chatbotGraph(createLlmProvider(bench.config)), {
    persister: new DrizzlePersister(bench.database),
  });
  globalThis.gc?.();
  const rssBefore = process.memoryUsage.rss();
  const maxBefore = process.resourceUsage().maxRSS * 1024;
  const started = performance.now();
  let bytes: number;
  if (variant === 'old') {
    // The route as it was: every step of the page with its whole state, serialized at once.
    const found = await runner.steps('big', { after: 0, limit: 200, withState: true });
    bytes = Buffer.byteLength(JSON.stringify({ items: found.map(toStepView), next_cursor: null }));
  } else {
    const query = variant === 'state' ? 'limit=200&include=state' : 'limit=200';
    bytes = (await (await bench.request('GET', `/api/v1/chatbot/apps/big/steps?${query}`)).arrayBuffer())
      .byteLength;
  }
  const ms = performance.now() - started;
  const peak = Math.max(process.resourceUsage().maxRSS * 1024, maxBefore);
  await bench.runWorker.stop();
  return { variant, bytes, ms, rssGrowthMb: (peak - Math.max(rssBefore, 0)) / 2 ** 20 };
}

export async function benchTracking() {
  const paint = await firstPaint();
  const self = fileURLToPath(import.meta.url);
  const variants = (['old', 'writes', 'state'] as const).map(
    (variant) =>
      JSON.parse(
        execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, '--memory', variant], {
          encoding: 'utf8',
        }),
      ) as Awaited<ReturnType<typeof memory>>,
  );
  return { paint, variants };
}

export function printTracking({ paint, variants }: Awaited<ReturnType<typeof benchTracking>>) {
  const ratio = (value: number) => (value / paint.steps.ms).toFixed(2);
  console.log('\n| step viewer, app with 1,002 steps | median ms | bytes | × GET steps?limit=50 |');
  console.log('|---|---|---|---|');
  console.log(
    `| GET …/steps?limit=50 (baseline) | ${paint.steps.ms.toFixed(2)} | ${paint.steps.bytes} | 1.00 |`,
  );
  console.log(
    `| GET /apps/chatbot/{app_id} (the page) | ${paint.page.ms.toFixed(2)} | ${paint.page.bytes} | ${ratio(paint.page.ms)} |`,
  );
  if (paint.browser !== null)
    console.log(
      `| Chromium: navigation to 50 step rows on screen | ${paint.browser.toFixed(0)} | — | ${ratio(paint.browser)} |`,
    );
  console.log(
    `\npage weight: HTML ${paint.weight.html} B + JS ${paint.weight.js} B (CSS inline in the HTML) = ${paint.weight.html + paint.weight.js} B, ${paint.weight.gzip} B gzip`,
  );
  const old = variants.find((row) => row.variant === 'old');
  console.log('\n| issue 18 example: one page of ?limit=200 | body bytes | ms | peak RSS growth MB |');
  console.log('|---|---|---|---|');
  for (const row of variants) {
    const label = {
      old: 'before: every state, no byte bound',
      writes: 'now: writes (default)',
      state: 'now: include=state (byte-bounded)',
    }[row.variant];
    const times = old && row !== old ? ` (${(row.bytes / old.bytes).toFixed(4)}× bytes)` : '';
    console.log(
      `| ${label} | ${row.bytes.toLocaleString('en')}${times} | ${row.ms.toFixed(0)} | ${row.rssGrowthMb.toFixed(1)} |`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--memory');
  if (at > 0) console.log(JSON.stringify(await memory(process.argv[at + 1] as Variant)));
  else printTracking(await benchTracking());
  process.exit(0);
}
