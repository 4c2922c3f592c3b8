import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full garbage collection on demand, without starting the test worker with --expose-gc: the
// flag set at runtime gives a fresh context its `gc` function.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Runs a full garbage collection now (for tests of what must survive one). */
export function collectGarbage(): void {
  gc();
}
