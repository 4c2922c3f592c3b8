// The environment of a new user's shell: this machine's, without what the repository's own test
// and benchmark runs add, so a scaffolded project reads its settings from its .env as it would
// for them.
import { readFileSync } from 'node:fs';

const templateEnvExample = new URL('../../template/.env.example', import.meta.url);

/** Names the project reads from the environment before .env (PORT, DATABASE_URL, …). */
function projectVariables() {
  const text = readFileSync(templateEnvExample, 'utf8');
  return [...text.matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1]);
}

/** process.env minus the project's variables, the suites' own (TEST_DATABASE_URL, VITEST…) and npm's package-manager hint. */
export function newUserEnv(extra = {}) {
  const env = { ...process.env };
  for (const name of [...projectVariables(), 'TEST_DATABASE_URL', 'npm_config_user_agent']) delete env[name];
  for (const name of Object.keys(env))
    if (name.startsWith('VITEST') || name.startsWith('npm_lifecycle_')) delete env[name];
  return { ...env, ...extra };
}
