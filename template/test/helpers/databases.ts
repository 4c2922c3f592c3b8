import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDatabase, type Database } from '../../src/db/client';

export interface TestDatabase {
  url: string;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

/** A migrated SQLite file in a fresh temp folder. */
export function sqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-db-'));
  const url = `file:${join(dir, 'app.db')}`;
  return {
    url,
    open: () => createDatabase(url),
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh Postgres database created beside TEST_DATABASE_URL's, dropped afterwards. */
export async function postgresDatabase(baseUrl: string): Promise<TestDatabase> {
  const name = `switchyard_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    open: () => createDatabase(url.toString()),
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/**
 * The dialects a suite runs on: SQLite always, Postgres when TEST_DATABASE_URL is set. Without it the
 * Postgres half is not registered, and this says so once (npm test lists it too).
 */
export const dialects: { name: 'sqlite' | 'postgres'; create: () => Promise<TestDatabase> }[] = [
  { name: 'sqlite', create: async () => sqliteDatabase() },
];
const postgresUrl = process.env.TEST_DATABASE_URL;
if (postgresUrl) {
  dialects.push({ name: 'postgres', create: () => postgresDatabase(postgresUrl) });
} else {
  console.log('Postgres suite not run: TEST_DATABASE_URL is not set');
}
