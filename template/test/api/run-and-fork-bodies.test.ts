// The run and fork bodies as the document gives them and as the server takes them: a run's
// `action` is one of the graph's actions and its `inputs` that action's input schema (a
// discriminated union on `action`); a fork's `state` is the state schema's keys, none required,
// no other. What the document refuses, the server answers 422 problem+json, and writes nothing.
import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Ajv2020 } from 'ajv/dist/2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRequestSchema } from '../../src/api/schemas';
import { createApiHarness } from '../helpers/api';

const apps = '/api/v1/chatbot/apps';
const chatbotActions = [
  'prompt',
  'decide_mode',
  'unsafe_response',
  'generate_code',
  'answer_question',
  'generate_poem',
  'prompt_for_more',
];

let harness: Awaited<ReturnType<typeof createApiHarness>>;
// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document read as JSON.
let doc: any;
const schemaAt = (ref: string) => doc.components.schemas[ref.replace('#/components/schemas/', '')];
const bodyOf = (path: string) => doc.paths[path].post.requestBody.content['application/json'].schema;

beforeAll(async () => {
  harness = await createApiHarness();
  doc = await (await harness.app.request('/openapi.json')).json();
  const alice = await harness.clientFor('alice');
  await alice.create({ app_id: 'src' });
  await alice.act('src', 'prompt', { prompt: 'hello' });
});
afterAll(() => harness.close());

async function snapshot() {
  const { db, tables } = harness.database;
  const rows = await Promise.all(
    [tables.apps, tables.steps, tables.runs].map((table) => db.select().from(table)),
  );
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

/** POSTs `body` as alice and expects a 422 problem naming `paths`, with nothing written. */
async function expectRefused(path: string, body: unknown, paths: string[]) {
  const before = await snapshot();
  const response = await harness.request('POST', path, await harness.token('alice'), JSON.stringify(body));
  expect(response.status).toBe(422);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const problem = await response.json();
  expect(problem.errors.map((error: { path: string }) => error.path)).toEqual(paths);
  expect(await snapshot()).toBe(before);
}

describe('a background run body', () => {
  it("is documented as one body per action, told apart by `action`, with that action's inputs", () => {
    const union = schemaAt(bodyOf(`${apps}/{app_id}/runs`).$ref);
    expect(union.discriminator.propertyName).toBe('action');
    const options = union.oneOf.map((option: { $ref: string }) => schemaAt(option.$ref));
    expect(
      options.map((option: { properties: { action: { enum: string[] } } }) => option.properties.action.enum),
    ).toEqual(chatbotActions.map((action) => [action]));
    for (const [index, action] of chatbotActions.entries()) {
      const { description: _, default: __, ...inputs } = options[index].properties.inputs;
      const { description: ___, ...actionBody } = bodyOf(`${apps}/{app_id}/actions/${action}`);
      expect(inputs, action).toEqual(actionBody);
      expect(options[index].required).toContain('action');
    }
    // prompt needs its prompt, so its inputs are required; the others take none, so may leave them out.
    expect(options[0].required).toEqual(['action', 'inputs']);
    expect(options[1].required).toEqual(['action']);
  });

  it('refuses an action the graph lacks, or none, with 422 on `action`', async () => {
    await expectRefused(`${apps}/src/runs`, { action: 'fly', inputs: {} }, ['action']);
    await expectRefused(`${apps}/src/runs`, { inputs: { prompt: 'x' } }, ['action']);
  });

  it("refuses inputs that do not match the action's schema, naming the field in the body", async () => {
    await expectRefused(`${apps}/src/runs`, { action: 'prompt', inputs: { prompt: 42 } }, ['inputs.prompt']);
    await expectRefused(`${apps}/src/runs`, { action: 'prompt' }, ['inputs']);
  });

  it('queues an action that takes no inputs without any', async () => {
    const response = await harness.request(
      'POST',
      `${apps}/src/runs`,
      await harness.token('alice'),
      JSON.stringify({ action: 'decide_mode' }),
    );
    expect(response.status).toBe(202);
    // decide_mode is not the app's next, so the run fails; waited for, so no later test sees it move.
    const { run_id } = await response.json();
    const token = await harness.token('alice');
    await expect
      .poll(async () => (await (await harness.request('GET', `/api/v1/runs/${run_id}`, token)).json()).status)
      .toBe('failed');
  });

  it('keeps each action its own component, whatever the action is called', async () => {
    const body = runRequestSchema('shop', [
      { name: 'request', input: z.object({ item: z.string() }) },
      { name: 'checkOut' },
      { name: 'check_out' },
    ]);
    const app = new OpenAPIHono();
    const route = createRoute({
      method: 'post',
      path: '/runs',
      request: { body: { content: { 'application/json': { schema: body } }, required: true } },
      responses: { 202: { description: 'Queued' } },
    });
    app.openapi(route, (c) => c.body(null, 202));
    const { components } = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } });
    // biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document read as JSON.
    const schemas = components?.schemas as Record<string, any>;
    const refs = schemas.ShopRunRequest.oneOf.map((option: { $ref: string }) => option.$ref);
    expect(new Set(refs).size).toBe(3);
    expect(refs.map((ref: string) => schemas[ref.split('/').pop() as string].properties.action.enum)).toEqual(
      [['request'], ['checkOut'], ['check_out']],
    );
  });
});

// Bodies on both sides of each rule; the document's JSON Schema (as a generated client would check
// it) and the server must give every one the same verdict.
const runBodies: unknown[] = [
  { action: 'prompt', inputs: { prompt: 'hi' } },
  { action: 'prompt', inputs: { prompt: 'hi', extra: 1 } },
  { action: 'decide_mode' },
  { action: 'decide_mode', inputs: {} },
  { action: 'fly' },
  { action: 42 },
  {},
  { action: 'prompt' },
  { action: 'prompt', inputs: {} },
  { action: 'prompt', inputs: { prompt: 42 } },
  { action: 'prompt', inputs: { prompt: '' } },
  { action: 'prompt', inputs: { prompt: ' \n\t ' } },
  { action: 'prompt', inputs: { prompt: '  hi  ' } },
  { action: 'prompt', inputs: { prompt: 'x'.repeat(10_001) } },
  { action: 'prompt', inputs: 'hi' },
  [],
];
const message = { role: 'user', content: 'hi', type: 'text' };
const forkBodies: unknown[] = [
  {},
  { state: {} },
  { state: { mode: 'x', prompt: 'p' } },
  { state: { chat_history: [] } },
  { state: { chat_history: [message] } },
  { sequence_id: 0 },
  { state: { bogus: 1 } },
  { state: { mode: 42 } },
  { state: { chat_history: [{ ...message, role: 'robot' }] } },
  { state: { chat_history: [{ ...message, secret: 1 }] } },
  { state: { chat_history: [{ role: 'user' }] } },
  { state: 'x' },
  { sequence_id: -1 },
  { sequence_id: 1.5 },
];

describe('the document and the server', () => {
  it('give every run and fork body the same verdict', async () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ $id: 'doc', components: doc.components }, undefined, undefined, false);
    const check = (path: string) => {
      const validate = ajv.getSchema(`doc${bodyOf(path).$ref}`);
      if (!validate) throw new Error(`no schema for ${path}`);
      return validate;
    };
    const token = await harness.token('alice');
    const disagreements: string[] = [];
    const queued: string[] = [];
    for (const [path, bodies] of [
      [`${apps}/{app_id}/runs`, runBodies],
      [`${apps}/{app_id}/fork`, forkBodies],
    ] as const) {
      const validate = check(path);
      for (const body of bodies) {
        const response = await harness.request(
          'POST',
          path.replace('{app_id}', 'src'),
          token,
          JSON.stringify(body),
        );
        const accepted = response.status < 300;
        if (response.status >= 300 && response.status !== 422)
          disagreements.push(`${response.status} for ${JSON.stringify(body)}`);
        if (accepted && path.endsWith('/runs')) queued.push((await response.json()).run_id);
        if (validate(body) !== accepted) {
          disagreements.push(
            `${path} ${JSON.stringify(body).slice(0, 80)}: server ${response.status}, document ${validate(body) ? 'accepts' : 'refuses'}`,
          );
        }
      }
    }
    // The runs queued here end before the tests that compare the database (decide_mode is not next: it fails).
    for (const runId of queued) {
      await expect
        .poll(
          async () => (await (await harness.request('GET', `/api/v1/runs/${runId}`, token)).json()).status,
        )
        .toMatch(/succeeded|failed/);
    }
    expect(disagreements).toEqual([]);
  });
});

describe('a run body built from any input schema', () => {
  it('takes an input schema that refines asynchronously, its inputs then required', async () => {
    const body = runRequestSchema('shop', [
      { name: 'pay', input: z.object({ card: z.string().optional() }).refine(async () => true) },
    ]);
    const refused = await body.safeParseAsync({ action: 'pay' });
    expect(refused.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['inputs']);
    expect((await body.safeParseAsync({ action: 'pay', inputs: {} })).success).toBe(true);
  });
});

describe('a fork body', () => {
  it("documents `state` as the state schema's keys, none required, no other at any depth", () => {
    const state = schemaAt(bodyOf(`${apps}/{app_id}/fork`).$ref).properties.state;
    expect(state.additionalProperties).toBe(false);
    expect(Object.keys(state.properties).sort()).toEqual(['chat_history', 'mode', 'prompt', 'response']);
    expect(state.required).toBeUndefined();
    expect(state.properties.chat_history.items.additionalProperties).toBe(false);
    // Otherwise the state schema as the AppView documents it.
    const lenient = JSON.parse(
      JSON.stringify(state.properties).replaceAll(',"additionalProperties":false', ''),
    );
    expect(lenient).toEqual(doc.components.schemas.ChatbotApp.properties.state.properties);
  });

  it('refuses a key the state schema lacks, at the top or deeper, naming it', async () => {
    await expectRefused(`${apps}/src/fork`, { state: { bogus: 'x' } }, ['state']);
    const history = [{ role: 'user', content: 'hi', type: 'text', secret: 'x' }];
    await expectRefused(`${apps}/src/fork`, { state: { chat_history: history } }, ['state.chat_history.0']);
  });

  it('refuses a value the state schema refuses, naming the key', async () => {
    await expectRefused(`${apps}/src/fork`, { state: { mode: 42 } }, ['state.mode']);
  });
});
