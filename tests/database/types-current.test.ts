/**
 * The checked-in database types (dashboard/src/data/database.types.ts) are what the migrations make:
 * generated again from the migrated test database and compared, line for line. When this fails, a
 * migration changed a table: run `npm run gen:types` and commit the file (the dashboard's row types
 * are picked from it, dashboard/src/data/types.ts: a dropped or retyped column breaks the typecheck).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withDb } from '@flowlens/stack/testing';
import { generateTypes, TYPES_FILE } from '../../stack/src/gen-types.ts';

describe('generated database types', () => {
  it('match the migrated schema (npm run gen:types)', async () => {
    const fresh = await withDb((db) => generateTypes(db));
    const checkedIn = readFileSync(TYPES_FILE, 'utf8');
    expect(checkedIn.split('\n'), 'dashboard/src/data/database.types.ts is out of date: run `npm run gen:types`').toEqual(fresh.split('\n'));
  });
});
