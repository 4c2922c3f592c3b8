// The package manager the user chose (or ran us with), and how each one spells our commands.

export const packageManagers = ['npm', 'pnpm', 'yarn', 'bun'];

/** The manager that started us: `npm create`, `pnpm create`, … set npm_config_user_agent. */
export function detectPackageManager(userAgent = process.env.npm_config_user_agent ?? '') {
  const name = userAgent.split('/')[0];
  return packageManagers.includes(name) ? name : 'npm';
}

/** Arguments that run package.json script `script`, followed by `args` for the script itself. */
export function runArgs(pm, script, args = []) {
  // npm needs `--` before the script's own flags; the others pass them through.
  if (pm === 'npm') return ['run', script, ...(args.length ? ['--', ...args] : [])];
  return ['run', script, ...args];
}

/** How a person types a command: `npm start`, `yarn test`, `bun run test` (bun test is bun's own runner). */
export function display(pm, script, args = []) {
  if (script === 'install') return pm === 'yarn' ? 'yarn' : `${pm} install`;
  if ((script === 'start' || script === 'test') && pm !== 'bun') return `${pm} ${script}`;
  return [pm, ...runArgs(pm, script, args)].join(' ');
}
