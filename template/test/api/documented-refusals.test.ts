// Walks /openapi.json: for every parameter whose schema constrains it (a length, a pattern, a
// range, an enum), sends a value that breaks the constraint with every other parameter valid, and
// holds that the server answers a problem the operation documents: 422 when the validator refuses
// it, or 404 where the authorization middleware answers first (an app, run or chat id outside the
// rule names nothing that can exist: src/auth/requires.ts). A parameter checked by the validator
// alone (query and header) needs its operation to document 422.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHarness } from '../helpers/api';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: {
    type?: string;
    enum?: string[];
    minimum?: number;
    maximum?: number;
    minLength?: number;
    maxLength?: number;
    pattern?: string;
  };
}
interface Operation {
  operationId: string;
  security?: unknown[];
  parameters?: Parameter[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}

let harness: Awaited<ReturnType<typeof createApiHarness>>;
let operations: { method: string; path: string; operation: Operation }[];
let runId: string;

/** Values that break the schema's constraints, one for each constraint. */
function violations(schema: Parameter['schema'], where: Parameter['in']): string[] {
  const found: string[] = [];
  if (schema.enum) found.push('none-of-these');
  if (schema.type === 'integer') {
    found.push('x');
    if (schema.minimum !== undefined) found.push(String(schema.minimum - 1));
    if (schema.maximum !== undefined) found.push(String(schema.maximum + 1));
  }
  if (schema.maxLength !== undefined) found.push('x'.repeat(schema.maxLength + 1));
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern);
    const value = ['a b', 'x', '-1', 'é'].find((candidate) => !pattern.test(candidate));
    if (value) found.push(value);
  }
  // An empty path segment is another route; an empty header is no header.
  if (schema.minLength && where === 'query') found.push('');
  return found;
}

/** A valid value for each parameter the walk does not break. */
function validValue(parameter: Parameter): string | undefined {
  const values: Record<string, string> = {
    app_id: 'walk',
    id: 'walk',
    subject: 'bob',
    sequence_id: '1',
    run_id: runId,
  };
  return parameter.in === 'path' ? values[parameter.name] : undefined;
}

/** `path` with a valid value in each of its parameters. */
const withValidIds = (path: string) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => validValue({ name, in: 'path', schema: {} }) ?? '');

function requestFor(path: string, operation: Operation, broken: Parameter, value: string) {
  let url = path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const parameter of operation.parameters ?? []) {
    const given = parameter === broken ? value : validValue(parameter);
    if (given === undefined) continue;
    if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(given));
    if (parameter.in === 'query') query.set(parameter.name, given);
    if (parameter.in === 'header') headers[parameter.name] = given;
  }
  return { url: query.size > 0 ? `${url}?${query}` : url, headers };
}

beforeAll(async () => {
  harness = await createApiHarness({
    env: { AUTH_DEV_LOGIN: 'true', METRICS_TOKEN: 'metrics-token-for-the-document', BODY_LIMIT: '4096' },
  });
  const alice = await harness.clientFor('alice');
  await alice.create({ app_id: 'walk' });
  await alice.act('walk', 'prompt', { prompt: 'hello' });
  const run = await harness.request(
    'POST',
    '/api/v1/chatbot/apps/walk/runs',
    await harness.token('alice'),
    JSON.stringify({ action: 'prompt', inputs: { prompt: 'again' } }),
  );
  runId = (await run.json()).run_id;
  const document = await (await harness.app.request('/openapi.json')).json();
  operations = Object.entries<Record<string, Operation>>(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method, path, operation })),
  );
});
afterAll(() => harness.close());

describe('the documented refusals of every operation', () => {
  it('has constrained parameters to walk', () => {
    const constrained = operations.flatMap(({ operation }) =>
      (operation.parameters ?? []).filter(
        (parameter) => violations(parameter.schema, parameter.in).length > 0,
      ),
    );
    expect(constrained.length).toBeGreaterThan(20);
  });

  it('documents 422 wherever a query or header parameter is constrained', () => {
    const missing = operations
      .filter(({ operation }) =>
        (operation.parameters ?? []).some(
          (parameter) => parameter.in !== 'path' && violations(parameter.schema, parameter.in).length > 0,
        ),
      )
      .filter(({ operation }) => !operation.responses['422'])
      .map(({ operation }) => operation.operationId);
    expect(missing).toEqual([]);
  });

  it('documents 400, 413 and 422 wherever a JSON body is taken', () => {
    const missing = operations
      .filter(({ operation }) => operation.requestBody)
      .filter(({ operation }) => ['400', '413', '422'].some((status) => !operation.responses[status]))
      .map(({ operation }) => operation.operationId);
    expect(missing).toEqual([]);
  });

  it('answers a documented 401 to a request without a token, wherever one is needed', async () => {
    const undocumented: string[] = [];
    for (const { method, path, operation } of operations) {
      if (operation.security?.length === 0) continue;
      const url = withValidIds(path);
      const response = await harness.app.request(url, { method: method.toUpperCase() });
      const status = String(response.status);
      if (status !== '401' || !operation.responses[status])
        undocumented.push(`${operation.operationId}: ${status}`);
    }
    expect(undocumented).toEqual([]);
  });

  it('answers a documented problem to a malformed or an over-large body', async () => {
    const token = await harness.token('alice');
    const undocumented: string[] = [];
    const bodies = { malformed: '{"not json', 'over-large': JSON.stringify({ padding: 'x'.repeat(8192) }) };
    for (const { method, path, operation } of operations.filter((item) => item.operation.requestBody)) {
      for (const [kind, body] of Object.entries(bodies)) {
        const url = withValidIds(path);
        const response = await harness.app.request(url, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
        });
        const status = String(response.status);
        const where = `${operation.operationId} ${kind}: ${status}`;
        if (!status.startsWith('4') || !operation.responses[status]) undocumented.push(where);
        expect(response.headers.get('content-type'), where).toMatch(/application\/(problem\+)?json/);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('answers a documented 404 or 422 problem to each value that breaks a constraint', async () => {
    const token = await harness.token('alice');
    const undocumented: string[] = [];
    for (const { method, path, operation } of operations) {
      for (const parameter of operation.parameters ?? []) {
        for (const value of violations(parameter.schema, parameter.in)) {
          const { url, headers } = requestFor(path, operation, parameter, value);
          const response = await harness.app.request(url, {
            method: method.toUpperCase(),
            headers: {
              ...headers,
              authorization: `Bearer ${token}`,
              ...(operation.requestBody ? { 'content-type': 'application/json' } : {}),
            },
            body: operation.requestBody ? '{"permission":"read"}' : undefined,
          });
          const status = String(response.status);
          const where = `${operation.operationId} ${parameter.name}=${JSON.stringify(value.slice(0, 20))}: ${status}`;
          if (!['404', '422'].includes(status) || !operation.responses[status]) undocumented.push(where);
          if (method !== 'head') {
            expect(response.headers.get('content-type'), where).toContain('application/problem+json');
          }
          if (status === '422') {
            const problem = await response.json();
            expect(
              problem.errors.map((error: { path: string }) => error.path.toLowerCase()),
              where,
            ).toContain(parameter.name);
          }
        }
      }
    }
    expect(undocumented).toEqual([]);
  });
});
