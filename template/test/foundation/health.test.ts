import { describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/test-app';

describe('health probes', () => {
  it('/healthz answers ok; /readyz follows the database, 503 once it is gone', async () => {
    const { app, database, close } = await createTestApp();
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await app.request('/readyz')).status).toBe(200);

    await database.close();
    const gone = await app.request('/readyz');
    expect(gone.status).toBe(503);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');
    expect(await gone.json()).toMatchObject({ status: 503, detail: 'The database did not answer.' });
    expect((await app.request('/healthz')).status).toBe(200);
    await close();
  });
});
