import { existsSync } from 'node:fs';
import { createDatabase } from './client';

/**
 * `npm run db:migrate`: applies the committed migrations to DATABASE_URL and exits. The app also
 * migrates at start; this is for deploy steps that migrate first, and for the scaffolder.
 */
if (existsSync('.env')) process.loadEnvFile('.env');
const url = process.env.DATABASE_URL || 'file:./data/app.db';
const database = await createDatabase(url);
try {
  await database.migrate();
  console.log(`Migrations applied (${database.dialect}).`);
} finally {
  await database.close();
}
