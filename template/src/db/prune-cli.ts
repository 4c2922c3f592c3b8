import { existsSync } from 'node:fs';
import { loadConfig } from '../config';
import { createDatabase } from './client';
import { compactOnce, pruneOnce } from './prune-schedule';

/**
 * `npm run db:prune`: removes the apps not updated for STEP_RETENTION_DAYS (or `--days N`), with
 * their steps, grants, runs and events; then compacts the apps with more than STEP_KEEP_LAST steps
 * (or `--keep-last N`) to their current state and their last N steps; and exits. The app does both
 * hourly when the variables are set.
 */
if (existsSync('.env')) process.loadEnvFile('.env');
const config = loadConfig();
const flag = (name: string, fallback: number | undefined) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const days = flag('--days', config.STEP_RETENTION_DAYS);
const keepLast = flag('--keep-last', config.STEP_KEEP_LAST);
const problems = [
  days !== undefined && !(Number.isFinite(days) && days > 0) && '--days must be a number above 0.',
  keepLast !== undefined &&
    !(Number.isInteger(keepLast) && keepLast > 0) &&
    '--keep-last must be a whole number above 0.',
  days === undefined &&
    keepLast === undefined &&
    'Set STEP_RETENTION_DAYS (or pass --days N): how long an app is kept after its last update; ' +
      'or STEP_KEEP_LAST (or pass --keep-last N): how many of its latest steps a long app keeps.',
].filter(Boolean);
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
const database = await createDatabase(config.DATABASE_URL);
try {
  await database.migrate();
  if (days !== undefined) {
    const counts = await pruneOnce(database, days);
    if (!counts) console.log('Another instance is pruning this database now; nothing done.');
    else
      console.log(
        `Pruned ${counts.apps} apps (${counts.steps} steps, ${counts.runs} runs) not updated for ${days} days.`,
      );
  }
  if (keepLast !== undefined) {
    const counts = await compactOnce(database, keepLast);
    if (!counts) console.log('Another instance is pruning this database now; nothing compacted.');
    else
      console.log(
        `Compacted ${counts.apps} apps to their last ${keepLast} steps (${counts.steps} older steps removed).`,
      );
  }
} finally {
  await database.close();
}
