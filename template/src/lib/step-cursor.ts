import type { StepCursor } from '../engine/persister';

// The steps list's cursor: opaque to clients (base64url JSON `[sequence_id, row]`), because a sequence
// id alone does not name a row (a failed attempt shares it with the retry that commits). Decoded in
// one place, so the query schema that refuses a forged cursor and the handler that reads it agree.

export const encodeStepCursor = ({ sequenceId, row }: StepCursor) =>
  Buffer.from(JSON.stringify([sequenceId, row])).toString('base64url');

/** Both numbers are integer columns on Postgres: a forged larger one is refused, not a 500. */
const INT32_MAX = 2 ** 31 - 1;
const isColumnValue = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= INT32_MAX;

/** A cursor `encodeStepCursor` made, or null for anything else. */
export function decodeStepCursor(cursor: string): StepCursor | null {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const [sequenceId, row] = Array.isArray(decoded) && decoded.length === 2 ? decoded : [];
    return isColumnValue(sequenceId) && isColumnValue(row) ? { sequenceId, row } : null;
  } catch {
    return null;
  }
}
