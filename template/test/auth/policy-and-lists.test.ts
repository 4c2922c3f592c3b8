import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTo, allows, type Permission, visibleApps } from '../../src/auth/policy';
import type { User } from '../../src/auth/user';
import { AppsRepository } from '../../src/db/apps-repository';
import type { Database } from '../../src/db/client';
import { GrantsRepository } from '../../src/db/grants-repository';
import { insertApps } from '../helpers/app-rows';
import { dialects, type TestDatabase } from '../helpers/databases';

// A list of apps is SQL (AppsRepository.list, given visibleApps(user)); reading one app asks
// accessTo(). The two must agree: on random apps and grants, every user's list holds exactly the
// apps accessTo() lets it read.

const subjects = ['alice', 'bob', 'carol'];
const users: User[] = [...subjects.map((sub) => ({ sub, roles: [] })), { sub: 'root', roles: ['admin'] }];

const world = fc.record({
  apps: fc.array(fc.constantFrom(...subjects), { minLength: 1, maxLength: 8 }),
  grants: fc.array(
    fc.record({
      app: fc.nat(7),
      subject: fc.constantFrom(...subjects),
      permission: fc.constantFrom<Permission>('read', 'write'),
    }),
    { maxLength: 8 },
  ),
});

describe.each(dialects)('the app list and the policy on $name', ({ create }) => {
  let testDb: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    testDb = await create();
    database = await testDb.open();
    await database.migrate();
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  it('lists exactly the apps each user may read', async () => {
    const apps = new AppsRepository(database);
    const grants = new GrantsRepository(database);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(world, async (generated) => {
        const graph = `g${run++}`; // each run in a graph of its own, so runs do not see each other
        const now = Date.now();
        const owned = generated.apps.map((partitionKey, index) => ({ appId: `a${index}`, partitionKey }));
        await insertApps(
          database,
          owned.map((app, index) => ({ graph, ...app, at: new Date(now + index) })),
        );
        const held = new Map<string, Permission>();
        for (const grant of generated.grants) {
          const app = owned[grant.app % owned.length];
          if (!app) continue;
          await grants.put({ graph, appId: app.appId }, grant.subject, grant.permission);
          held.set(`${app.appId}/${grant.subject}`, grant.permission);
        }
        for (const user of users) {
          const page = await apps.list({ graph, limit: 100, visibility: visibleApps(user) });
          const listed = page.items.map((app) => app.appId).sort();
          const readable = owned
            .filter((app) =>
              allows(accessTo(user, app.partitionKey, held.get(`${app.appId}/${user.sub}`) ?? null), 'read'),
            )
            .map((app) => app.appId)
            .sort();
          expect(listed, user.sub).toEqual(readable);
        }
      }),
      { numRuns: 25 },
    );
  });
});
