// The document under Redocly's recommended ruleset (@redocly/openapi-core, run in process and
// offline): what a linter, and so a code generator, flags beyond the validator of openapi.test.ts.
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/test-app';

// The warnings the document keeps on purpose, each with its reason. Any other warning fails too.
const accepted = [
  // A scaffolded project's license is its owner's choice; the template does not pick one for it.
  { rule: 'info-license', at: '#/info' },
  // A WebSocket upgrade succeeds with 101 Switching Protocols, not a 2xx.
  { rule: 'operation-2xx-response', at: '#/paths/~1api~1v1~1runs~1{run_id}~1ws/get/responses' },
];

let testApp: Awaited<ReturnType<typeof createTestApp>>;
beforeAll(async () => {
  // Every optional route on, so the document holds them all.
  testApp = await createTestApp({
    env: { AUTH_DEV_LOGIN: 'true', METRICS_TOKEN: 'metrics-token-for-the-document' },
  });
});
afterAll(() => testApp.close());

describe('the OpenAPI document under a linter', () => {
  it("has no error, and no warning but the accepted ones, under Redocly's recommended rules", async () => {
    const source = await (await testApp.app.request('/openapi.json')).text();
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source, absoluteRef: 'openapi.json', config });
    const found = problems.map((problem) => ({
      severity: problem.severity,
      rule: problem.ruleId,
      message: problem.message,
      at: problem.location.map((location) => location.pointer).join(' '),
    }));
    expect(found.filter((problem) => problem.severity === 'error')).toEqual([]);
    const warnings = found
      .filter((problem) => problem.severity !== 'error')
      .map(({ rule, at }) => ({ rule, at }));
    expect(warnings).toEqual(expect.arrayContaining(accepted));
    expect(warnings).toHaveLength(accepted.length);
  });
});
