// The app list's cursor: opaque to clients (base64url JSON `[created_at ms, app_id]`), decoded in one
// place, so the query schema that refuses a forged cursor and the repository that reads it agree.
// A decoded cursor goes into a query as it is, so it must hold what the database can compare: a time
// both dialects store (from 1970 to the last date JavaScript has) and an id under the id rule.

import { isId } from './ids';

/** The last time a JavaScript Date holds (year 275760); Postgres timestamps reach further. */
const LAST_TIME_MS = 8.64e15;

export interface AppCursor {
  createdAt: Date;
  appId: string;
}

export const encodeCursor = ({ createdAt, appId }: AppCursor) =>
  Buffer.from(JSON.stringify([createdAt.getTime(), appId])).toString('base64url');

/** A cursor `encodeCursor` made, or null for anything else. */
export function decodeCursor(cursor: string): AppCursor | null {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const [time, appId] = Array.isArray(decoded) && decoded.length === 2 ? decoded : [];
    return Number.isSafeInteger(time) && time >= 0 && time <= LAST_TIME_MS && isId(appId)
      ? { createdAt: new Date(time), appId }
      : null;
  } catch {
    return null;
  }
}
