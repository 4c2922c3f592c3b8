import type { StepRecord } from '../engine/persister';
import { encodeStepCursor } from '../lib/step-cursor';
import { toStepView } from './views';

/**
 * About how much JSON one page of steps may hold. A page ends at `limit` steps or once the next step
 * would pass this, whichever comes first (a page always holds at least one step, however large), so a
 * large state served with `include=state` costs one page a step, not a page of copies.
 */
export const STEP_PAGE_MAX_BYTES = 1_000_000;

/** The views of `records` that fit the byte bound, and the cursor of the page after them (null: none). */
export function boundedStepPage(
  records: readonly StepRecord[],
  limit: number,
  maxBytes = STEP_PAGE_MAX_BYTES,
) {
  const items: ReturnType<typeof toStepView>[] = [];
  let bytes = 0;
  let last: StepRecord | undefined;
  for (const record of records) {
    const view = toStepView(record);
    // Measured as it will be sent; the steps beyond the bound are never serialized at all.
    const size = Buffer.byteLength(JSON.stringify(view));
    if (items.length > 0 && bytes + size > maxBytes) break;
    items.push(view);
    bytes += size;
    last = record;
  }
  const more = items.length < records.length || records.length === limit;
  return { items, nextCursor: more && last ? encodeStepCursor(last) : null };
}
