// The questions asked on a terminal when a flag did not answer them already.
import { basename, resolve } from 'node:path';
import { cancel, isCancel, select, text } from '@clack/prompts';
import { nameProblem } from './name.js';

function answered(value) {
  if (isCancel(value)) {
    cancel('Cancelled: nothing was written.');
    process.exit(1);
  }
  return value;
}

/** Asks for the directory and the database unless `dir` and `db` are given. */
export async function ask({ dir, db }) {
  const chosenDir =
    dir ??
    answered(
      await text({
        message: 'Project directory',
        placeholder: 'switchyard-app',
        defaultValue: 'switchyard-app',
        validate: (value) => (value ? nameProblem(basename(resolve(value))) : undefined),
      }),
    );
  const chosenDb =
    db ??
    answered(
      await select({
        message: 'Database',
        options: [
          { value: 'sqlite', label: 'SQLite', hint: 'a file in data/, nothing to run' },
          { value: 'postgres', label: 'Postgres', hint: 'to run several instances; compose.yaml starts one' },
        ],
        initialValue: 'sqlite',
      }),
    );
  return { dir: chosenDir, db: chosenDb };
}
