/**
 * A private PostgreSQL 15 cluster built from the machine's own server binaries.
 *
 * `initdb` refuses to run as root, so as root every server command runs as the `postgres` system
 * user, and the cluster lives where that user can reach it: inside the stack folder when it can,
 * otherwise (a checkout under /root, say) in /var/tmp, recorded in the stack state.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { findPostgresBin, type StackConfig } from './config.ts';
import { isRoot, run, waitFor } from './proc.ts';
import type { StackSecrets } from './secrets.ts';

const PG_USER = 'postgres';
/** The cluster's bootstrap superuser, named as on a Supabase project. */
export const SUPERUSER = 'supabase_admin';

export interface PgLayout {
  bin: string;
  root: string;
  data: string;
  log: string;
  runAs: string | undefined;
  extensions: { pgCron: boolean; pgTap: boolean };
}

function canPostgresUserWrite(dir: string): boolean {
  if (!isRoot) return true;
  try {
    run('test', ['-w', dir, '-a', '-x', dir], { asUser: PG_USER });
    return true;
  } catch {
    return false;
  }
}

function extensionAvailable(bin: string, name: string): boolean {
  // Debian layout: /usr/lib/postgresql/15/bin -> /usr/share/postgresql/15/extension
  const version = bin.match(/postgresql\/(\d+)\//)?.[1] ?? '15';
  return existsSync(`/usr/share/postgresql/${version}/extension/${name}.control`);
}

export function pgLayout(config: StackConfig): PgLayout {
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error(
      'PostgreSQL server binaries were not found (looked in $FLOWLENS_PG_BIN and /usr/lib/postgresql/{15,16,17}/bin).\n' +
        'Install them with: apt-get update && apt-get install -y postgresql-15 postgresql-15-cron postgresql-15-pgtap',
    );
  }
  if (isRoot) {
    try {
      run('id', ['-u', PG_USER]);
    } catch {
      throw new Error('Running as root needs the `postgres` system user to own the cluster (initdb refuses root). Install postgresql-15 from apt, which creates it.');
    }
  }
  mkdirSync(config.dir, { recursive: true });
  let root = join(config.dir, 'pg');
  if (isRoot && !canPostgresUserWrite(config.dir)) {
    const probe = join(config.dir, '.pg-access-probe');
    mkdirSync(probe, { recursive: true });
    run('chown', [PG_USER, probe]);
    const reachable = canPostgresUserWrite(probe);
    rmSync(probe, { recursive: true, force: true });
    if (!reachable) {
      const tag = createHash('sha256').update(config.dir).digest('hex').slice(0, 12);
      root = `/var/tmp/flowlens-pg-${tag}`;
    }
  }
  return {
    bin,
    root,
    data: join(root, 'data'),
    log: join(root, 'postgres.log'),
    runAs: isRoot ? PG_USER : undefined,
    extensions: { pgCron: extensionAvailable(bin, 'pg_cron'), pgTap: extensionAvailable(bin, 'pgtap') },
  };
}

export function isInitialised(layout: PgLayout): boolean {
  return existsSync(join(layout.data, 'PG_VERSION'));
}

export function initCluster(layout: PgLayout, config: StackConfig, secrets: StackSecrets): void {
  mkdirSync(layout.root, { recursive: true });
  if (layout.runAs) run('chown', [layout.runAs, layout.root]);
  const pwfile = join(layout.root, 'initdb.pw');
  // The cluster's bootstrap superuser is `supabase_admin`, as on a Supabase project; `postgres` is
  // created by stack/sql/bootstrap.sql as an ordinary (non-superuser) role that runs migrations.
  writeFileSync(pwfile, `${secrets.superuserPassword}\n`, { mode: 0o600 });
  if (layout.runAs) run('chown', [layout.runAs, pwfile]);
  try {
    run(
      join(layout.bin, 'initdb'),
      ['-D', layout.data, '-U', SUPERUSER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'],
      { asUser: layout.runAs },
    );
  } finally {
    rmSync(pwfile, { force: true });
  }
  const settings = [
    '# Written by the FlowLens local stack (stack/src/postgres.ts).',
    "listen_addresses = '127.0.0.1'",
    "unix_socket_directories = ''",
    'max_connections = 200',
    "timezone = 'UTC'",
    "log_timezone = 'UTC'",
    layout.extensions.pgCron ? "shared_preload_libraries = 'pg_cron'\ncron.database_name = 'postgres'" : '# pg_cron not installed',
    config.fast ? 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off' : 'synchronous_commit = off',
  ];
  const conf = join(layout.data, 'postgresql.conf');
  writeFileSync(conf, `${readFileSync(conf, 'utf8')}\n${settings.join('\n')}\n`);
  // Only TCP on loopback, always with a password.
  writeFileSync(join(layout.data, 'pg_hba.conf'), 'host all all 127.0.0.1/32 scram-sha-256\n');
  if (layout.runAs) run('chown', ['-R', layout.runAs, layout.data]);
  chmodSync(layout.data, 0o700);
}

export function pgPid(layout: PgLayout): number | undefined {
  const pidFile = join(layout.data, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export async function startPostgres(layout: PgLayout, config: StackConfig, secrets: StackSecrets): Promise<number> {
  run(join(layout.bin, 'pg_ctl'), ['-D', layout.data, '-l', layout.log, '-w', '-t', '60', '-o', `-p ${config.ports.db}`, 'start'], {
    asUser: layout.runAs,
  });
  await waitFor(
    'PostgreSQL',
    async () => {
      const client = new pg.Client(superuserUrl(config, secrets));
      await client.connect();
      await client.end();
      return true;
    },
    30_000,
    `See ${layout.log}.`,
  );
  const pid = pgPid(layout);
  if (!pid) throw new Error(`PostgreSQL started but left no postmaster.pid in ${layout.data}; see ${layout.log}.`);
  return pid;
}

export function stopPostgres(layout: PgLayout): void {
  if (!pgPid(layout)) return;
  run(join(layout.bin, 'pg_ctl'), ['-D', layout.data, '-m', 'fast', '-w', '-t', '60', 'stop'], { asUser: layout.runAs });
}

/** A connection URL for one of the stack's login roles. */
export function roleUrl(config: StackConfig, role: string, password: string): string {
  return `postgresql://${role}:${encodeURIComponent(password)}@${config.host}:${config.ports.db}/postgres`;
}

/**
 * The `postgres` role, as SUPABASE_DB_URL on a Supabase project: not a superuser (CREATEROLE,
 * BYPASSRLS, member of the API roles and of the auth/storage admin roles). Migrations, seeds, the
 * edge functions and the tests' database helpers use it.
 */
export function adminUrl(config: StackConfig, secrets: StackSecrets): string {
  return roleUrl(config, 'postgres', secrets.dbPassword);
}

/** The bootstrap superuser: only stack/sql/bootstrap.sql and extensions run as it. */
export function superuserUrl(config: StackConfig, secrets: StackSecrets): string {
  return roleUrl(config, SUPERUSER, secrets.superuserPassword);
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
