/**
 * Where a local stack lives and which ports it uses.
 *
 * One repo can run several stacks side by side (the developer's and the test suite's), each in its
 * own folder with its own port block: `FLOWLENS_STACK_DIR` and `FLOWLENS_STACK_PORT_BASE` select them.
 * The default block mirrors `supabase start` (gateway 54321, Postgres 54322, mailbox 54324, SMTP 54325)
 * so the URLs look familiar to anyone who has used the Supabase CLI.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StackPorts {
  gateway: number;
  db: number;
  mailbox: number;
  smtp: number;
  postgrest: number;
  postgrestAdmin: number;
  functions: number;
}

export interface StackConfig {
  dir: string;
  host: '127.0.0.1';
  ports: StackPorts;
  /** Test stacks trade durability for speed (fsync off); never the developer's stack. */
  fast: boolean;
  repoRoot: string;
  migrationsDir: string;
  functionsDir: string;
  configToml: string;
}

const PORT_OFFSETS: Record<keyof StackPorts, number> = {
  gateway: 0,
  db: 1,
  mailbox: 3,
  smtp: 4,
  postgrest: 6,
  postgrestAdmin: 7,
  functions: 8,
};

export function portsFrom(base: number): StackPorts {
  const ports = {} as StackPorts;
  for (const [name, offset] of Object.entries(PORT_OFFSETS) as [keyof StackPorts, number][]) {
    ports[name] = base + offset;
  }
  return ports;
}

export interface StackConfigOverrides {
  dir?: string;
  portBase?: number;
  fast?: boolean;
}

export function loadConfig(overrides: StackConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): StackConfig {
  const problems: string[] = [];
  const dir = resolve(overrides.dir ?? env.FLOWLENS_STACK_DIR ?? join(REPO_ROOT, '.stack'));
  let portBase = overrides.portBase ?? 54321;
  if (overrides.portBase === undefined && env.FLOWLENS_STACK_PORT_BASE) {
    portBase = Number(env.FLOWLENS_STACK_PORT_BASE);
  }
  if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65526) {
    problems.push(`FLOWLENS_STACK_PORT_BASE must be an integer between 1024 and 65526 (got "${env.FLOWLENS_STACK_PORT_BASE}")`);
  }
  if (problems.length > 0) throw new Error(`Invalid stack configuration:\n- ${problems.join('\n- ')}`);
  const repoRoot = REPO_ROOT;
  return {
    dir,
    host: '127.0.0.1',
    ports: portsFrom(portBase),
    fast: overrides.fast ?? env.FLOWLENS_STACK_FAST === '1',
    repoRoot,
    migrationsDir: join(repoRoot, 'supabase', 'migrations'),
    functionsDir: join(repoRoot, 'supabase', 'functions'),
    configToml: join(repoRoot, 'supabase', 'config.toml'),
  };
}

export function urls(config: StackConfig) {
  const h = config.host;
  return {
    gateway: `http://${h}:${config.ports.gateway}`,
    mailbox: `http://${h}:${config.ports.mailbox}`,
    postgrest: `http://${h}:${config.ports.postgrest}`,
    functions: `http://${h}:${config.ports.functions}`,
  };
}

/** The first PostgreSQL server binary folder found: FLOWLENS_PG_BIN, then Debian's layout. */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = [env.FLOWLENS_PG_BIN, '/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];
  for (const c of candidates) {
    if (c && existsSync(join(c, 'postgres')) && existsSync(join(c, 'initdb'))) return c;
  }
  return null;
}
