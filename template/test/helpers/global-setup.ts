// Runs once before the suites: the pages' scripts are built as `npm start` builds them, and each
// suite this machine cannot run is named once, with its reason (vitest.config.ts decides which).
import { execFileSync } from 'node:child_process';

export default function setup() {
  execFileSync(process.execPath, ['scripts/build-assets.mjs'], { stdio: 'inherit' });
  const notRunHere: [string, string][] = JSON.parse(process.env.SWITCHYARD_NOT_RUN_HERE ?? '[]');
  for (const [file, reason] of notRunHere) console.log(`NOTE: ${file} not run: it ${reason}.`);
}
