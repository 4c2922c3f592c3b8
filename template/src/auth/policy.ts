import { isAdmin, type User } from './user';

/**
 * Who may do what with an app: the one place to read and edit the rules.
 *
 * An app belongs to its partition_key; the user whose `sub` equals it owns it. A grant shares it
 * with another subject for `read` or `write`. Role `admin` may do everything.
 */
export type Permission = 'read' | 'write';

/** What a caller may do with one app, from least to most. */
export type Access = 'none' | 'read' | 'write' | 'manage';

const order: Access[] = ['none', 'read', 'write', 'manage'];

/**
 * The caller's access to an app in `partitionKey`, given the grant it holds on it (or null).
 * Asked first with null; when that answer is below 'manage', asked again with the caller's grant
 * (src/graph/http/authorize.ts), so owners and admins cost no grant lookup.
 */
export function accessTo(user: User, partitionKey: string, grant: Permission | null): Access {
  if (isAdmin(user) || user.sub === partitionKey) return 'manage';
  return grant ?? 'none';
}

/** True when `access` is at least `needed`. */
export const allows = (access: Access, needed: Access) => order.indexOf(access) >= order.indexOf(needed);

/**
 * Whether a list of apps shows this user every app. Otherwise a list shows the apps the user owns
 * or holds a grant on: that filter is SQL, in AppsRepository.list (src/db/apps-repository.ts), so a
 * rule here that lets a user read more apps needs its counterpart here or there.
 */
export const listsEveryApp = (user: User) => isAdmin(user);

/** A non-admin creates apps only in its own partition. */
export const canCreateIn = (user: User, partitionKey: string) => isAdmin(user) || user.sub === partitionKey;

/** What each kind of request needs. Reading steps and run results is reading; fork is writing. */
export const needs = {
  read: 'read',
  act: 'write',
  fork: 'write',
  run: 'write',
  manageGrants: 'manage',
} as const satisfies Record<string, Access>;
