import { getTableConfig as pgConfig } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig } from 'drizzle-orm/sqlite-core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as pgTables from '../../src/db/schema.pg';
import * as sqliteTables from '../../src/db/schema.sqlite';

// One repository serves both dialects, so the two schemas must agree on every table, column,
// nullability and key. Types differ only where the dialects do (jsonb/text, timestamp/integer).
const shape = (config: {
  name: string;
  columns: { name: string; notNull: boolean; primary: boolean }[];
}) => ({
  name: config.name,
  columns: config.columns
    .map((column) => `${column.name}${column.notNull ? ' not null' : ''}${column.primary ? ' pk' : ''}`)
    .sort(),
});

/** Each index as `name unique? (columns)`; the partial ones' conditions are written alike in both files. */
const indexes = (list: { config: { name?: string; unique: boolean; columns: unknown[] } }[]) =>
  list
    .map(
      ({ config }) =>
        `${config.name}${config.unique ? ' unique' : ''} (${config.columns
          .map((column) => (column as { name: string }).name)
          .join(', ')})`,
    )
    .sort();

/** Each table's row types, as the queries written against schema.pg.ts see them. */
type RowTypes<Tables> = {
  [Name in keyof Tables]: Tables[Name] extends { $inferSelect: infer Row; $inferInsert: infer Insert }
    ? { select: Row; insert: Insert }
    : never;
};

describe('schema.pg.ts and schema.sqlite.ts', () => {
  it('define the same tables', () => {
    expect(Object.keys(sqliteTables).sort()).toEqual(Object.keys(pgTables).sort());
  });

  it('give every column the same TypeScript type (checked by tsc)', () => {
    expectTypeOf<RowTypes<typeof sqliteTables>>().toEqualTypeOf<RowTypes<typeof pgTables>>();
  });

  for (const name of Object.keys(pgTables) as (keyof typeof pgTables)[]) {
    it(`agree on the columns of ${name}`, () => {
      const pg = pgConfig(pgTables[name]);
      const sqlite = sqliteConfig(sqliteTables[name]);
      expect(shape(sqlite)).toEqual(shape(pg));
      expect(sqlite.primaryKeys.map((key) => key.columns.map((column) => column.name))).toEqual(
        pg.primaryKeys.map((key) => key.columns.map((column) => column.name)),
      );
      expect(indexes(sqlite.indexes)).toEqual(indexes(pg.indexes));
    });
  }
});
