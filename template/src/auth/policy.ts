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
 * (src/auth/requires.ts), so owners and admins cost no grant lookup.
 */
export function accessTo(user: User, partitionKey: string, grant: Permission | null): Access {
  if (isAdmin(user) || user.sub === partitionKey) return 'manage';
  return grant ?? 'none';
}

/** True when `access` is at least `needed`. */
export const allows = (access: Access, needed: Access) => order.indexOf(access) >= order.indexOf(needed);

/**
 * Which apps a list shows the user: every app, or those it owns or holds any grant on (a grant is
 * at least `read`). AppsRepository.list turns this into SQL; test/auth/policy.test.ts checks on
 * random apps and grants that the list shows exactly the apps `accessTo` lets the user read, so a
 * rule changed above without this one fails there.
 */
export type AppVisibility = { all: true } | { all: false; ownerOrGrantee: string };

export const visibleApps = (user: User): AppVisibility =>
  isAdmin(user) ? { all: true } : { all: false, ownerOrGrantee: user.sub };

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
