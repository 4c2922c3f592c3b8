import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { sqliteDatabase } from '../helpers/databases';
import { testConfig } from '../helpers/test-config';

const testDb = sqliteDatabase();
afterAll(() => testDb.drop());

describe('health probes', () => {
  it('/healthz answers ok; /readyz follows the database, 503 once it is gone', async () => {
    const database = await testDb.open();
    const app = createApp({
      config: testConfig(),
      logger: pino({ level: 'silent' }),
      checkDatabase: () => database.ping(),
    });
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);

    await database.close();
    const gone = await app.request('/readyz');
    expect(gone.status).toBe(503);
    expect(await gone.json()).toEqual({ status: 'unavailable', detail: 'The database did not answer.' });
    expect((await app.request('/healthz')).status).toBe(200);
  });
});
