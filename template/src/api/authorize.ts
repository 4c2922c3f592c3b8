import { type Access, accessTo, allows } from '../auth/policy';
import type { User } from '../auth/user';
import type { GrantsRepository } from '../db/grants-repository';
import type { StoredApp } from '../engine/persister';
import { type ProblemError, problems } from '../lib/errors';

type Loader = { graph: { name: string }; load(appId: string): Promise<StoredApp | null> };

/** The user's access to a stored app under src/auth/policy.ts, with the grant it holds on it. */
export async function accessToApp(grants: GrantsRepository, user: User, app: StoredApp): Promise<Access> {
  const access = accessTo(user, app.partitionKey, null);
  // Owners and admins need no grant lookup: the common case costs no extra query. Anything less
  // asks again with the grant, so a rule in policy.ts may combine a role with a grant.
  if (access === 'manage') return access;
  return accessTo(user, app.partitionKey, await grants.permissionOf(app, user.sub));
}

/**
 * Loads an app the user may `needed` (src/auth/policy.ts): 404 when the user may not even read it,
 * the same answer as for an app that does not exist (no existence leak); 403 when it may read only.
 */
export async function loadAuthorized(
  application: Loader,
  grants: GrantsRepository,
  user: User,
  appId: string,
  needed: Access,
): Promise<StoredApp> {
  const app = await application.load(appId);
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
