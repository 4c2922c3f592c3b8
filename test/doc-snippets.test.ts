// The guide test is only as good as its reading of the guide: commands, comments and promises.
import { describe, expect, it } from 'vitest';
import {
  containsPair,
  eventsIn,
  fencedBlocks,
  inOrder,
  jsonIn,
  promisedOutput,
  shellCommands,
} from './helpers/doc-snippets';

const markdown = [
  'Text',
  '```sh',
  'npx ./create-script my-app --yes        # or: node create-script/index.js my-app --yes',
  'curl -s -X POST localhost:3000/x \\',
  '  -H \'content-type: application/json\' -d \'{"note":"a # is not a comment here"}\'',
  '# {"id":"demo",...,"token":"eyJhb...","count":3}',
  '```',
  '',
  '```ts',
  '// hello.ts',
  '```',
].join('\n');

describe('reading a guide', () => {
  const blocks = fencedBlocks(markdown);

  it('finds each fenced block with its language and line', () => {
    expect(blocks.map(({ lang, line }) => [lang, line])).toEqual([
      ['sh', 2],
      ['ts', 9],
    ]);
  });

  it('joins continued lines, drops inline comments and keeps quoted #', () => {
    const [scaffold, curl] = shellCommands(blocks[0]);
    expect(scaffold.key).toBe('npx ./create-script my-app --yes');
    expect(scaffold.comments).toEqual(['or: node create-script/index.js my-app --yes']);
    expect(curl.key).toBe(
      `curl -s -X POST localhost:3000/x -H 'content-type: application/json' -d '{"note":"a # is not a comment here"}'`,
    );
    expect(curl.comments).toEqual(['{"id":"demo",...,"token":"eyJhb...","count":3}']);
  });

  it('reads prose as no promise, and JSON pairs with ... as a beginning', () => {
    const [scaffold, curl] = shellCommands(blocks[0]);
    expect(promisedOutput(scaffold.comments)).toEqual({ pairs: [], events: [] });
    expect(promisedOutput(curl.comments).pairs).toEqual([
      { key: 'id', value: 'demo', prefix: false },
      { key: 'token', value: 'eyJhb', prefix: true },
      { key: 'count', value: 3, prefix: false },
    ]);
  });

  it('finds promised pairs anywhere in the output, and only there', () => {
    const output = jsonIn('{"id":"demo","inner":{"token":"eyJhbGciOi","count":3}}');
    for (const pair of promisedOutput(['{"id":"demo","token":"eyJhb...","count":3}']).pairs)
      expect(containsPair(output, pair)).toBe(true);
    expect(containsPair(output, { key: 'count', value: 4, prefix: false })).toBe(false);
    expect(containsPair(output, { key: 'token', value: 'xyz', prefix: true })).toBe(false);
    expect(containsPair(output, { key: 'id', value: 'dem', prefix: false })).toBe(false);
  });

  it('reads an event stream: its data lines as JSON and its events in order', () => {
    const stream =
      'event: state\ndata: {"a":1}\nid: 1\n\nevent: delta\ndata: {"delta":"x"}\n\nevent: done\ndata: {}\n';
    expect(jsonIn(stream)).toEqual([{ a: 1 }, { delta: 'x' }, {}]);
    expect(inOrder(eventsIn(stream), ['state', 'done'])).toBe(true);
    expect(inOrder(eventsIn(stream), ['done', 'state'])).toBe(false);
    expect(inOrder(eventsIn(stream), ['state', 'error'])).toBe(false);
  });
});
