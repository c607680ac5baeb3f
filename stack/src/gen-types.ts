/**
 * `npm run gen:types` (scripts/gen-types.ts): the database's row types for TypeScript, generated from the migrated schema
 * of the local stack (the stand-in for `supabase gen types typescript`, which needs Docker):
 * dashboard/src/data/database.types.ts, checked in. tests/database/types-current.test.ts fails when
 * the file no longer matches the migrations.
 *
 *   generateTypes(client)        the file's text, from any connection to a migrated database
 */
import { join } from 'node:path';
import type pg from 'pg';
import { REPO_ROOT } from './config.ts';

export const TYPES_FILE = join(REPO_ROOT, 'dashboard', 'src', 'data', 'database.types.ts');

const SCALARS: Record<string, string> = {
  bool: 'boolean',
  int2: 'number',
  int4: 'number',
  int8: 'number',
  float4: 'number',
  float8: 'number',
  numeric: 'number',
  json: 'Json',
  jsonb: 'Json',
};

interface Relationship {
  table: string;
  name: string;
  referenced: string;
  columns: string[];
  referencedColumns: string[];
  oneToOne: boolean;
}

interface Fn {
  name: string;
  setof: boolean;
  returns: string;
  returnKind: string;
  defaults: number;
  argNames: string[];
  argModes: string[];
  argTypes: string[];
}

interface Column {
  table: string;
  kind: string;
  column: string;
  udt: string;
  element: string | null;
  nullable: boolean;
  hasDefault: boolean;
  identity: boolean;
}

export async function generateTypes(db: pg.Client): Promise<string> {
  const enums = (await db.query<{ name: string; labels: string[] }>(
    `select t.typname as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
       from pg_type t join pg_enum e on e.enumtypid = t.oid
      where t.typnamespace = 'public'::regnamespace group by t.typname order by t.typname`,
  )).rows;
  const enumNames = new Set(enums.map((e) => e.name));
  const columns = (await db.query<Column>(
    `select c.relname as table, c.relkind::text as kind, a.attname as column, t.typname as udt,
            et.typname as element, not a.attnotnull as nullable, a.atthasdef as "hasDefault", a.attidentity <> '' as identity
       from pg_class c
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       join pg_type t on t.oid = a.atttypid
       left join pg_type et on et.oid = t.typelem and t.typcategory = 'A'
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'v', 'p')
      order by c.relname, a.attnum`,
  )).rows;

  // A text column whose check constraint lists its words (`check (viewport in (...))`, `check (viewports <@ '{...}'::text[] ...)`)
  // is typed as those words, like an enum: the dashboard then narrows nothing by hand.
  const checks = (await db.query<{ table: string; column: string; def: string }>(
    `select c.relname as table, a.attname as column, pg_get_constraintdef(k.oid) as def
       from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
      where k.contype = 'c' and c.relnamespace = 'public'::regnamespace and cardinality(k.conkey) = 1
      order by 1, 2, k.conname`,
  )).rows;
  const vocabulary = new Map<string, string[]>();
  for (const k of checks) {
    const list = new RegExp(`^CHECK \\(\\(${k.column} = ANY \\(ARRAY\\[((?:'[^']*'::text(?:, )?)+)\\]\\)\\)\\)$`).exec(k.def)?.[1];
    const set = new RegExp(`^CHECK \\(\\(\\(${k.column} <@ '\\{([\\w,]+)\\}'::text\\[\\]\\)`).exec(k.def)?.[1];
    const words = list ? [...list.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!) : set ? set.split(',') : null;
    if (!words) continue;
    const key = `${k.table}.${k.column}`;
    const before = vocabulary.get(key);
    vocabulary.set(key, before ? before.filter((w) => words.includes(w)) : words);
  }

  const tsType = (udt: string): string => {
    if (enumNames.has(udt)) return `Database['public']['Enums']['${udt}']`;
    return SCALARS[udt] ?? 'string';
  };
  const typeOf = (c: Column): string => {
    const words = vocabulary.get(`${c.table}.${c.column}`)?.map((w) => `'${w}'`).join(' | ');
    const base = words ? (c.element ? `(${words})[]` : words) : c.element ? `${tsType(c.element)}[]` : tsType(c.udt);
    return c.nullable ? `${base} | null` : base;
  };

  // Foreign keys between public relations: supabase-js types an embedded select (`flows(name)`) from them.
  const keys = (await db.query<Relationship>(
    `select s.relname as table, c.conname as name, r.relname as referenced,
            array(select a.attname::text from unnest(c.conkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i) as columns,
            array(select a.attname::text from unnest(c.confkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i) as "referencedColumns",
            exists (select 1 from pg_index x where x.indrelid = c.conrelid and x.indisunique and x.indpred is null
                     and (select array_agg(v order by v) from unnest(x.indkey::int2[]) v) = (select array_agg(v order by v) from unnest(c.conkey) v)) as "oneToOne"
       from pg_constraint c join pg_class s on s.oid = c.conrelid join pg_class r on r.oid = c.confrelid
      where c.contype = 'f' and c.connamespace = 'public'::regnamespace and r.relnamespace = 'public'::regnamespace
      order by 1, 2`,
  )).rows;
  // The public functions PostgREST serves as RPCs (and computed fields: one unnamed argument of a table's row type).
  const functions = (await db.query<Fn>(
    `select p.proname as name, p.proretset as setof, rt.typname as returns, rt.typtype::text as "returnKind",
            coalesce(p.pronargdefaults, 0)::int as defaults,
            array(select coalesce(nullif(n, ''), '') from unnest(coalesce(p.proargnames, array_fill(''::text, array[coalesce(array_length(p.proallargtypes, 1), p.pronargs)]))) n) as "argNames",
            array(select m::text from unnest(coalesce(p.proargmodes, array_fill('i'::"char", array[p.pronargs]))) m) as "argModes",
            array(select case when t.typcategory = 'A' then et.typname::text || '[]' else t.typname::text end
                    from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality a(oid, i)
                    join pg_type t on t.oid = a.oid left join pg_type et on et.oid = t.typelem order by a.i) as "argTypes"
       from pg_proc p join pg_type rt on rt.oid = p.prorettype
      where p.pronamespace = 'public'::regnamespace and p.prokind = 'f'
      order by p.proname, p.oid`,
  )).rows;

  // Columns a BEFORE INSERT row trigger selects into (`select … into new.organization_id`, which the
  // triggers do unconditionally, raising when they find nothing): optional in Insert, as if they had a
  // default (the site-scoped tables copy organization_id from their site so). A conditional
  // `new.x := …` does not count.
  const triggers = (await db.query<{ table: string; source: string }>(
    `select c.relname as table, p.prosrc as source
       from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_proc p on p.oid = t.tgfoid
      where c.relnamespace = 'public'::regnamespace and not t.tgisinternal and (t.tgtype & 7) = 7
      order by 1, t.tgname`,
  )).rows;
  const filled = new Set<string>();
  for (const t of triggers) {
    for (const m of t.source.matchAll(/\binto\s+((?:new\.\w+\s*,\s*)*new\.\w+)/gi)) for (const col of m[1]!.matchAll(/new\.(\w+)/gi)) filled.add(`${t.table}.${col[1]}`);
  }

  const tables = [...new Set(columns.filter((c) => c.kind !== 'v').map((c) => c.table))];
  const views = [...new Set(columns.filter((c) => c.kind === 'v').map((c) => c.table))];
  const relationships = (name: string): string => {
    const own = keys.filter((k) => k.table === name);
    if (own.length === 0) return '        Relationships: [];';
    const items = own.map(
      (k) =>
        `          {\n            foreignKeyName: '${k.name}';\n            columns: [${k.columns.map((c) => `'${c}'`).join(', ')}];\n            isOneToOne: ${k.oneToOne};\n` +
        `            referencedRelation: '${k.referenced}';\n            referencedColumns: [${k.referencedColumns.map((c) => `'${c}'`).join(', ')}];\n          },`,
    );
    return `        Relationships: [\n${items.join('\n')}\n        ];`;
  };
  const block = (name: string, cols: Column[], withWrites: boolean): string => {
    const row = cols.map((c) => `          ${c.column}: ${typeOf(c)};`).join('\n');
    if (!withWrites) return `      ${name}: {\n        Row: {\n${row}\n        };\n${relationships(name)}\n      };`;
    const insert = cols.map((c) => `          ${c.column}${c.nullable || c.hasDefault || c.identity || filled.has(`${c.table}.${c.column}`) ? '?' : ''}: ${typeOf(c)};`).join('\n');
    const update = cols.map((c) => `          ${c.column}?: ${typeOf(c)};`).join('\n');
    return `      ${name}: {\n        Row: {\n${row}\n        };\n        Insert: {\n${insert}\n        };\n        Update: {\n${update}\n        };\n${relationships(name)}\n      };`;
  };

  const relations = new Set([...tables, ...views]);
  const pgType = (t: string): string => {
    if (t.endsWith('[]')) return `${pgType(t.slice(0, -2))}[]`;
    if (relations.has(t)) return `Database['public']['${tables.includes(t) ? 'Tables' : 'Views'}']['${t}']['Row']`;
    return tsType(t);
  };
  const fnType = (f: Fn): string => {
    const args = f.argTypes.map((type, i) => ({ name: f.argNames[i] ?? '', mode: f.argModes[i] ?? 'i', type }));
    const inputs = args.filter((a) => a.mode === 'i' || a.mode === 'b' || a.mode === 'v');
    const outputs = args.filter((a) => a.mode === 'o' || a.mode === 'b' || a.mode === 't');
    const argText =
      inputs.length === 0
        ? 'Record<PropertyKey, never>'
        : `{ ${inputs.map((a, i) => `${a.name === '' ? "''" : a.name}${i >= inputs.length - f.defaults ? '?' : ''}: ${pgType(a.type)}`).join('; ')} }`;
    let ret = outputs.length > 0 && f.returnKind !== 'c' ? `{ ${outputs.map((a) => `${a.name}: ${pgType(a.type)}`).join('; ')} }` : pgType(f.returns);
    if (f.returns === 'void') ret = 'undefined';
    if (f.setof) ret = /^[\w'[\]]+$/.test(ret) || ret.startsWith('{') ? `${ret}[]` : `(${ret})[]`;
    return `{ Args: ${argText}; Returns: ${ret} }`;
  };
  const fnNames = [...new Set(functions.map((f) => f.name))];
  const fnBlock = fnNames.map((n) => `      ${n}: ${functions.filter((f) => f.name === n).map(fnType).join(' | ')};`).join('\n');
  const of = (name: string) => columns.filter((c) => c.table === name);

  return `/**
 * Generated by \`npm run gen:types\` (stack/src/gen-types.ts) from the migrated schema: do not edit.
 * tests/database/types-current.test.ts fails when this file no longer matches supabase/migrations.
 */
export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[];

export interface Database {
  public: {
    Tables: {
${tables.map((t) => block(t, of(t), true)).join('\n')}
    };
    Views: ${views.length === 0 ? 'Record<string, never>;' : `{\n${views.map((v) => block(v, of(v), false)).join('\n')}\n    };`}
    Functions: {
${fnBlock}
    };
    Enums: {
${enums.map((e) => `      ${e.name}: ${e.labels.map((l) => `'${l}'`).join(' | ')};`).join('\n')}
    };
    CompositeTypes: Record<string, never>;
  };
}

/** A table's row as PostgREST returns it. */
export type Tables<T extends keyof Database['public']['Tables']> = Database['public']['Tables'][T]['Row'];
`;
}
