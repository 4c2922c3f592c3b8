// Runs once before the suites: the pages' scripts are built as `npm start` builds them.
import { execFileSync } from 'node:child_process';

export default function setup() {
  execFileSync(process.execPath, ['scripts/build-assets.mjs'], { stdio: 'inherit' });
}
