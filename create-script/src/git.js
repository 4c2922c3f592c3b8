// The project's first commit, so the user's own changes show up as diffs from the start.
import { spawnSync } from 'node:child_process';

function git(args, cwd) {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (result.error)
    throw new Error(`git could not be started (${result.error.code ?? result.error.message})`);
  if (result.status !== 0)
    throw new Error(`\`git ${args.join(' ')}\` failed: ${result.stderr.trim().split('\n')[0]}`);
  return result.stdout.trim();
}

/** Why no repository should be made in `dir` (git missing, or already inside a repository), else undefined. */
export function reasonToSkipGit(dir) {
  const probe = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: dir, encoding: 'utf8' });
  if (probe.error) return 'git is not installed';
  if (probe.status === 0 && probe.stdout.trim() === 'true')
    return 'the folder is already inside a git repository';
  return undefined;
}

/** `git init`, add everything, commit; with a fixed author only when the user has none configured. */
export function initialCommit(dir) {
  git(['init', '--quiet'], dir);
  git(['add', '--all'], dir);
  const configured = (key) => spawnSync('git', ['config', key], { cwd: dir, encoding: 'utf8' }).stdout.trim();
  const author = [];
  if (!configured('user.name')) author.push('-c', 'user.name=create-switchyard');
  if (!configured('user.email')) author.push('-c', 'user.email=create-switchyard@users.noreply.github.com');
  // A signing setup that needs a passphrase would hang a scaffolder: the first commit is unsigned.
  git(
    [
      ...author,
      '-c',
      'commit.gpgsign=false',
      'commit',
      '--quiet',
      '--message',
      'Initial commit from create-switchyard',
    ],
    dir,
  );
}
