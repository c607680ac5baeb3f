/**
 * `npm run gen:types`: writes dashboard/src/data/database.types.ts from the migrated schema of the
 * test stack (started or reused), the stand-in for `supabase gen types typescript` (which needs
 * Docker). tests/database/types-current.test.ts fails when the file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { generateTypes, TYPES_FILE } from '../stack/src/gen-types.ts';
import { withClient } from '../stack/src/postgres.ts';
import { Stack } from '../stack/src/stack.ts';
import { TEST_STACK } from '../stack/src/testing/config.ts';

const info = await new Stack(TEST_STACK, (l) => console.log(`  ${l}`)).start();
writeFileSync(TYPES_FILE, await withClient(info.dbUrl, (c) => generateTypes(c)));
console.log(`wrote ${TYPES_FILE}`);
