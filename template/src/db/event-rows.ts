import type { RunEvent } from './run-events';

// How a run's events are laid out in run_events rows. A row holds one event, or a run of consecutive
// deltas that one append stores (those a model streamed while the previous write was in flight):
// ids `id - eventCount + 1` … `id`, with `data` the array of their data. One row per delta cost
// most of a chat turn (profiled: the insert of its row and its JSON), where the stream route,
// which stores nothing, pays neither. Rows are the storage only: every event keeps its own id,
// and reads give the events one by one (eventsOf), from any id, also one inside a row.

/** The most JSON text a row of deltas holds, so a page of rows stays small (follow-run.ts). */
export const MAX_ROW_DATA_BYTES = 16 * 1024;

/** A run_events row about to be written, its data already JSON. */
export interface EventRow {
  runId: string;
  /** The id of the row's last event. */
  id: number;
  event: string;
  /** JSON text: the event's data, or the array of the data of the row's events. */
  data: string;
  eventCount: number;
  createdAt: Date;
}

/** A run_events row as drizzle reads it (data parsed). */
export interface EventRowRead extends RunEvent {
  eventCount: number;
}

/**
 * The rows of events with ids `firstId`, `firstId + 1`, …: consecutive deltas share a row, up to
 * MAX_ROW_DATA_BYTES of data (a larger delta has a row alone); any other event has a row of its
 * own, so the ending is found by its name (lastRunEvent), and the few others cost little.
 */
export function rowsOf(
  runId: string,
  firstId: number,
  events: readonly { event: string; data: unknown }[],
  createdAt: Date,
): EventRow[] {
  const rows: EventRow[] = [];
  let deltas: string[] = [];
  let bytes = 0;
  const endDeltas = (lastId: number) => {
    if (deltas.length === 0) return;
    const data = deltas.length === 1 ? (deltas[0] as string) : `[${deltas.join(',')}]`;
    rows.push({ runId, id: lastId, event: 'delta', data, eventCount: deltas.length, createdAt });
    deltas = [];
    bytes = 0;
  };
  events.forEach(({ event, data }, index) => {
    const id = firstId + index;
    const json = JSON.stringify(data ?? null);
    if (event !== 'delta') {
      endDeltas(id - 1);
      rows.push({ runId, id, event, data: json, eventCount: 1, createdAt });
      return;
    }
    if (deltas.length > 0 && bytes + json.length + 1 > MAX_ROW_DATA_BYTES) endDeltas(id - 1);
    deltas.push(json);
    bytes += json.length + 1;
  });
  endDeltas(firstId + events.length - 1);
  return rows;
}

/** The events of a stored row with id > after, oldest first. */
export function eventsOf(row: EventRowRead, after: number): RunEvent[] {
  const { runId, id, event, createdAt } = row;
  if (row.eventCount === 1) return id > after ? [{ runId, id, event, data: row.data, createdAt }] : [];
  const data = row.data as unknown[];
  const firstId = id - row.eventCount + 1;
  const events: RunEvent[] = [];
  for (let index = Math.max(0, after + 1 - firstId); index < data.length; index++) {
    events.push({ runId, id: firstId + index, event, data: data[index], createdAt });
  }
  return events;
}
