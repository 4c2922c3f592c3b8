// Runs once before the suites: the pages' scripts are built as `npm start` builds them, and each
// suite this machine cannot run is named once, with its reason.
import { execFileSync } from 'node:child_process';
import { notRunHere } from './not-run-here';

export default function setup() {
  execFileSync(process.execPath, ['scripts/build-assets.mjs'], { stdio: 'inherit' });
  for (const [file, reason] of notRunHere()) console.log(`NOTE: ${file} not run: it ${reason}.`);
}
