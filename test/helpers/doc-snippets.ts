// Reading the snippets of a Markdown guide: its fenced blocks, the shell commands in them, and
// what their `# …` comments promise about the output.

export interface Block {
  /** The fence's language (`sh`, `ts`, …); empty when the fence names none. */
  lang: string;
  text: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
}

export interface Command {
  /** As written, continuation lines included; inline comments removed. */
  text: string;
  /** The text on one line with single spaces: how the test names a command. */
  key: string;
  /** The comments after the command (or on its line): what the doc says it prints. */
  comments: string[];
}

/** Every fenced block of `markdown`, in order. */
export function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const opening = /^```(\S*)\s*$/.exec(lines[index]);
    if (!opening) continue;
    const end = lines.findIndex((line, at) => at > index && line.startsWith('```'));
    if (end === -1) throw new Error(`the block opened on line ${index + 1} is never closed`);
    blocks.push({ lang: opening[1], text: lines.slice(index + 1, end).join('\n'), line: index + 1 });
    index = end;
  }
  return blocks;
}

/** Splits `line` at a `#` that starts a shell comment (outside quotes, after a space). */
function splitComment(line: string): [code: string, comment: string | undefined] {
  let quote: string | undefined;
  for (let at = 0; at < line.length; at++) {
    const char = line[at];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '#' && (at === 0 || /\s/.test(line[at - 1]))) {
      return [line.slice(0, at).trimEnd(), line.slice(at + 1).trim()];
    }
  }
  return [line, undefined];
}

/** The commands of a shell block, each with the comments that follow it. */
export function shellCommands(block: Block): Command[] {
  const commands: Command[] = [];
  let continuing = false;
  for (const line of block.text.split('\n')) {
    const [code, comment] = splitComment(line);
    const current = commands.at(-1);
    if (code.trim() === '') {
      // A comment line describes the output of the command above it.
      if (comment !== undefined && current) current.comments.push(comment);
      continue;
    }
    if (continuing && current) current.text += `\n${code}`;
    else commands.push({ text: code, key: '', comments: [] });
    if (comment !== undefined) (commands.at(-1) as Command).comments.push(comment);
    continuing = code.endsWith('\\');
  }
  for (const command of commands) command.key = command.text.replace(/\\\n\s*/g, ' ').replace(/\s+/g, ' ');
  return commands;
}

/** What a comment promises: `"key":value` pairs of JSON, and SSE `event:` names in order. */
export interface Promised {
  pairs: { key: string; value: unknown; prefix: boolean }[];
  events: string[];
}

/**
 * Reads the promises of a command's comments. A string value ending in `...` promises only its
 * beginning; prose (`# or: …`) promises nothing.
 */
export function promisedOutput(comments: string[]): Promised {
  const text = comments.join('\n');
  const pairs = [...text.matchAll(/"([\w-]+)":("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)/g)].map(
    ([, key, raw]) => {
      const value = JSON.parse(raw);
      const prefix = typeof value === 'string' && value.endsWith('...');
      return { key, value: prefix ? value.slice(0, -3) : value, prefix };
    },
  );
  const events = [...text.matchAll(/\bevent: (\w+)/g)].map(([, name]) => name);
  return { pairs, events };
}

/** The JSON in a command's output: the whole output, or each `data:` line of an event stream. */
export function jsonIn(output: string): unknown[] {
  try {
    return [JSON.parse(output)];
  } catch {
    return output
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .flatMap((line) => {
        try {
          return [JSON.parse(line.slice('data: '.length))];
        } catch {
          return [];
        }
      });
  }
}

/** True when some object inside `values` has `key` with `value` (or a string starting with it). */
export function containsPair(values: unknown[], { key, value, prefix }: Promised['pairs'][number]): boolean {
  const pending = [...values];
  while (pending.length) {
    const next = pending.pop();
    if (next === null || typeof next !== 'object') continue;
    if (!Array.isArray(next) && key in next) {
      const found = (next as Record<string, unknown>)[key];
      if (prefix ? typeof found === 'string' && found.startsWith(value as string) : found === value)
        return true;
    }
    pending.push(...Object.values(next));
  }
  return false;
}

/** The `event:` names of an SSE output, in order. */
export function eventsIn(output: string): string[] {
  return [...output.matchAll(/^event: (\S+)$/gm)].map(([, name]) => name);
}

/** True when `wanted` appear in `names` in this order (others may come between). */
export function inOrder(names: string[], wanted: string[]): boolean {
  let at = 0;
  for (const name of names) if (name === wanted[at]) at++;
  return at === wanted.length;
}
