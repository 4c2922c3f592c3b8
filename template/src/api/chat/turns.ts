import type { ChatGraph } from '../../chat/mapping';
import type { AnyRunner, StoredApp } from '../../engine';
import { problems } from '../../lib/errors';

// What a chat turn runs, decided before anything is written (a refused request writes nothing).

/** The action and inputs of a turn answering `text`; a 409 when the app waits on something else. */
export function submitTurn(
  runner: AnyRunner,
  mapping: ChatGraph['chat'],
  app: StoredApp | null,
  text: string,
) {
  const next = app ? runner.next(app) : runner.graph.entrypoint;
  if (next !== mapping.action) {
    throw problems.conflict(
      `The last turn did not finish (the app waits on "${next}"); regenerate it before sending another message.`,
      next,
    );
  }
  const inputs = mapping.input(text);
  const parsed = runner.graph.actions.get(mapping.action)?.input?.safeParse(inputs);
  if (parsed && !parsed.success) {
    throw problems.unprocessable('The message is not a valid input of the chat action.', [
      { path: 'messages', message: parsed.error.issues[0]?.message ?? 'invalid' },
    ]);
  }
  return { action: mapping.action, inputs };
}

/**
 * The step after which the last user message was committed: a regenerate forks there, so the fork
 * holds the conversation up to that message and answers it again. Null when there is none.
 */
export async function lastUserStep(runner: AnyRunner, mapping: ChatGraph['chat'], appId: string) {
  let found: number | null = null;
  for (let after = 0; ; ) {
    const page = await runner.steps(appId, { after, limit: 500 });
    for (const step of page) {
      if (step.action === mapping.action && step.status === 'committed') found = step.sequenceId;
    }
    const last = page.at(-1);
    if (!last || page.length < 500) return found;
    after = last.sequenceId;
  }
}
