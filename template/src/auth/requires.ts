import { createMiddleware } from 'hono/factory';
import type { GrantsRepository } from '../db/grants-repository';
import type { Run } from '../db/runs-repository';
import type { AnyRunner, StoredApp } from '../engine';
import type { AppEnv } from '../lib/env';
import { type ProblemError, problems } from '../lib/errors';
import { isId } from '../lib/ids';
import { type Access, accessTo, allows } from './policy';
import type { User } from './user';

// Authorization a route declares, in its createRoute: `middleware: [requires('write')] as const`
// (a graph's routes say `requires: needs.act`, and src/api/graph/graph-route.ts adds it so).
// The middleware loads the app (or run) the path names, checks src/auth/policy.ts, and hands the
// handler what it loaded (`c.var.app`, `c.var.run`), so a handler cannot forget the check: it has
// nothing to work on without it. It runs before the body is validated, so a caller who may not
// see an app learns nothing from a 422 either. It also runs before the path is validated: an id
// outside the id rule (src/lib/ids.ts) names no app or run that can exist, so it answers the 404
// of an unknown one without asking the database (where a NUL would be an error, not a miss).

/** The runner of the graph whose routes are answering (set by mountGraph). */
export type GraphVariables = { runner: AnyRunner };
export type AppLoaded = { app: StoredApp };
export type RunLoaded = { run: Run; runner: AnyRunner; app: StoredApp };

/** Requires `needed` on the app named by the path's `app_id`; sets `c.var.app`. */
export function requires(needed: Access) {
  return createMiddleware<{ Variables: AppEnv['Variables'] & GraphVariables & AppLoaded }>(
    async (c, next) => {
      // c.get, not c.var, on every app route: each read of c.var copies every variable into a new
      // object (about 1.1 µs with the dozen a request carries), c.get is one Map lookup.
      const { grants } = c.get('services');
      c.set(
        'app',
        await loadAuthorized(c.get('runner'), grants, c.get('user'), c.req.param('app_id'), needed),
      );
      await next();
    },
  );
}

/** Requires `needed` on the app of the run named by the path's `run_id`; sets `c.var.run` and its app. */
export function requiresRun(needed: Access) {
  return createMiddleware<{ Variables: AppEnv['Variables'] & RunLoaded }>(async (c, next) => {
    const { runs, runners, grants } = c.get('services');
    const runId = c.req.param('run_id');
    const run = isId(runId) ? await runs.get(runId) : null;
    const runner = run && runners.get(run.graph);
    if (!run || !runner) throw problems.notFound();
    c.set('app', await loadAuthorized(runner, grants, c.get('user'), run.appId, needed));
    c.set('run', run);
    c.set('runner', runner);
    await next();
  });
}

/** The user's access to a stored app under src/auth/policy.ts, with the grant it holds on it. */
export async function accessToApp(grants: GrantsRepository, user: User, app: StoredApp): Promise<Access> {
  const access = accessTo(user, app.partitionKey, null);
  // Owners and admins need no grant lookup: the common case costs no extra query. Anything less
  // asks again with the grant, so a rule in policy.ts may combine a role with a grant.
  if (access === 'manage') return access;
  return accessTo(user, app.partitionKey, await grants.permissionOf(app, user.sub));
}

/**
 * Loads an app the user may `needed`: 404 when the user may not even read it, the same answer as
 * for an app that does not exist (no existence leak); 403 when it may read only.
 */
export async function loadAuthorized(
  runner: Pick<AnyRunner, 'load'>,
  grants: GrantsRepository,
  user: User,
  appId: string | undefined,
  needed: Access,
): Promise<StoredApp> {
  const app = isId(appId) ? await runner.load(appId) : null;
  if (!app) throw problems.notFound();
  const access = await accessToApp(grants, user, app);
  if (!allows(access, 'read')) throw problems.notFound();
  if (!allows(access, needed)) throw problems.forbidden('You may read this app but not change it.');
  return app;
}

/**
 * The answer to a request for a new app whose id another app already holds: 409 when the caller
 * may read that app, else the 404 of an app that does not exist, so the answer says nothing about
 * an app the caller may not see (docs/api.md, "App ids").
 */
export async function idTakenProblem(
  grants: GrantsRepository,
  user: User,
  existing: StoredApp,
): Promise<ProblemError> {
  if (!allows(await accessToApp(grants, user, existing), 'read')) return problems.notFound();
  return problems.conflict(`An app with id ${existing.appId} exists already.`);
}
