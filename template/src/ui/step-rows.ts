// The step viewer's table rows, built with the DOM (text only, never HTML strings, so nothing a step
// holds can run as markup). Bundled into /assets/viewer.js.
import type { Step } from '../client';
import type { StateWrite } from '../engine/persister';
import { type Shown, show, stepDiff } from './step-diff';

type AnyStep = Step<Record<string, unknown>>;

export function element(
  tag: string,
  options: { text?: string; className?: string } = {},
  ...children: Node[]
) {
  const node = document.createElement(tag);
  if (options.text !== undefined) node.textContent = options.text;
  if (options.className) node.className = options.className;
  node.append(...children);
  return node;
}

/** A value on one line; a folded one opens to the whole of it. */
function shown(value: Shown, className: string) {
  if (!value.folded) return element('span', { text: value.text, className: `json ${className}` });
  return element(
    'details',
    { className: `json ${className}` },
    element('summary', { text: value.text }),
    element('pre', { text: value.full }),
  );
}

/** The change of a step: each key written, before → after (before once the state is loaded). */
export function diffList(writes: readonly StateWrite[], before?: Record<string, unknown>) {
  const list = element('ul', { className: 'diff' });
  for (const row of stepDiff(writes, before)) {
    const item = element('li', {}, element('span', { text: `${row.key} `, className: 'key' }));
    if (row.before) item.append(shown(row.before, 'before'), document.createTextNode(' → '));
    if (row.op === 'append') {
      item.append(element('span', { text: `${row.after.length} appended`, className: 'muted' }));
      item.append(
        element(
          'ul',
          {},
          ...row.after.map((value) => element('li', { className: 'append' }, shown(value, 'after'))),
        ),
      );
    } else item.append(shown(row.after[0] as Shown, 'after'));
    list.append(item);
  }
  if (writes.length === 0) list.append(element('li', { text: 'nothing written', className: 'muted' }));
  return list;
}

/** The id of a step's row: the committed one gets `step-N` (the parent links of forks point at it). */
export const rowId = (step: AnyStep) =>
  step.status === 'committed' ? `step-${step.sequence_id}` : `attempt-${step.sequence_id}-${step.cursor}`;

export interface RowActions {
  /** Fetches the whole state before and after the step, or null when it cannot. */
  loadState(
    step: AnyStep,
  ): Promise<{ before: Record<string, unknown>; after: Record<string, unknown> } | null>;
  /** Present only for a caller who may fork. */
  fork?: (step: AnyStep) => void;
}

export function stepRow(step: AnyStep, actions: RowActions) {
  const tr = element('tr', { className: step.status });
  tr.id = rowId(step);
  tr.dataset.action = step.action;
  const change = element('td', {}, diffList(step.writes));
  if (step.error) change.append(element('p', { text: step.error, className: 'error' }));
  const buttons = element('td');
  if (step.status === 'committed') {
    const stateButton = element('button', { text: 'state', className: 'show-state' }) as HTMLButtonElement;
    stateButton.type = 'button';
    stateButton.title = 'The state before and after this step';
    stateButton.addEventListener('click', async () => {
      stateButton.disabled = true;
      const state = await actions.loadState(step);
      if (!state) return;
      change.replaceChildren(
        diffList(step.writes, state.before),
        element(
          'details',
          { className: 'whole-state' },
          element('summary', { text: 'whole state after' }),
          element('pre', { text: JSON.stringify(state.after, null, 2) }),
        ),
      );
    });
    buttons.append(stateButton);
    if (actions.fork) {
      const forkButton = element('button', { text: 'fork', className: 'fork' }) as HTMLButtonElement;
      forkButton.type = 'button';
      forkButton.title = 'A new app with the state as it was after this step';
      forkButton.addEventListener('click', () => actions.fork?.(step));
      buttons.append(forkButton);
    }
  }
  const cells = [
    element('td', { text: String(step.sequence_id) }),
    element('td', { text: step.action, className: 'json' }),
    element('td', { text: step.status }),
    element('td', { text: `${new Date(step.started_at).toLocaleTimeString()} · ${step.duration_ms}` }),
    element(
      'td',
      {},
      shown(show(step.inputs), 'inputs'),
      document.createTextNode(' → '),
      shown(show(step.result), 'result'),
    ),
    change,
    buttons,
  ];
  tr.append(...cells);
  return tr;
}
