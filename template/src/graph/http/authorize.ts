import { type Access, accessTo, allows } from '../../auth/policy';
import type { User } from '../../auth/user';
import type { GrantsRepository } from '../../db/grants-repository';
import { problems } from '../../lib/errors';
import type { StoredApp } from '../persister';

/**
 * Loads an app the user may `needed` (src/auth/policy.ts): 404 when the user may not even read it,
 * the same answer as for an app that does not exist (no existence leak); 403 when it may read only.
 */
export async function loadAuthorized(
  application: { graph: { name: string }; load(appId: string): Promise<StoredApp | null> },
  grants: GrantsRepository,
  user: User,
  appId: string,
  needed: Access,
): Promise<StoredApp> {
  const app = await application.load(appId);
  if (!app) throw problems.notFound();
  let access = accessTo(user, app.partitionKey, null);
  // Owners and admins need no grant lookup: the common case costs no extra query.
  if (access === 'none') {
    access = accessTo(
      user,
      app.partitionKey,
      await grants.permissionOf({ graph: application.graph.name, appId }, user.sub),
    );
  }
  if (!allows(access, 'read')) throw problems.notFound();
  if (!allows(access, needed)) throw problems.forbidden('You may read this app but not change it.');
  return app;
}
