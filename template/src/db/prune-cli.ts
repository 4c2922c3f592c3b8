import { existsSync } from 'node:fs';
import { loadConfig } from '../config';
import { createDatabase } from './client';
import { pruneOnce } from './prune-schedule';

/**
 * `npm run db:prune`: removes the apps not updated for STEP_RETENTION_DAYS (or `--days N`), with
 * their steps, grants, runs and events, and exits. The app also prunes hourly when the variable is set.
 */
if (existsSync('.env')) process.loadEnvFile('.env');
const config = loadConfig();
const flag = process.argv.indexOf('--days');
const days = flag > 0 ? Number(process.argv[flag + 1]) : config.STEP_RETENTION_DAYS;
if (days === undefined || !Number.isFinite(days) || days <= 0) {
  console.error(
    'Set STEP_RETENTION_DAYS (or pass --days N, N > 0): how long an app is kept after its last update.',
  );
  process.exit(1);
}
const database = await createDatabase(config.DATABASE_URL);
try {
  await database.migrate();
  const counts = await pruneOnce(database, days);
  if (!counts) console.log('Another instance is pruning this database now; nothing done.');
  else
    console.log(
      `Pruned ${counts.apps} apps (${counts.steps} steps, ${counts.runs} runs) not updated for ${days} days.`,
    );
} finally {
  await database.close();
}
