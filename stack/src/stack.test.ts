/**
 * The stack's lifecycle, on a stack of its own (separate folder and ports) so the shared test
 * stack is untouched: start twice is harmless, stop leaves no process and no listening port,
 * reset gives an empty migrated database, and a taken port is reported clearly.
 */
import { rmSync } from 'node:fs';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { listMigrations } from './migrate.ts';
import { withClient } from './postgres.ts';
import { isAlive, portInUse } from './proc.ts';
import { Stack } from './stack.ts';
import { TEST_STACK } from './testing/config.ts';

const dir = `${TEST_STACK.dir}-lifecycle`;
// A block of its own, 1000 above the shared test stack's (several checkouts can test at once).
const portBase = TEST_STACK.portBase + 1000;
const stack = new Stack({ dir, portBase, fast: true }, () => {});

afterAll(async () => {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function allPorts(): Promise<boolean[]> {
  const p = stack.config.ports;
  return Promise.all([p.gateway, p.db, p.mailbox, p.smtp, p.postgrest, p.postgrestAdmin, p.functions].map((port) => portInUse(port)));
}

describe('local stack lifecycle', () => {
  it('starts, and a second start is harmless', async () => {
    const first = await stack.start();
    expect(Object.values(first.processes).every((p) => p.running)).toBe(true);
    const pids = Object.fromEntries(Object.entries(first.processes).map(([k, v]) => [k, v.pid]));
    const second = await stack.start();
    expect(Object.fromEntries(Object.entries(second.processes).map(([k, v]) => [k, v.pid]))).toEqual(pids);
    const health = await fetch(`${second.gatewayUrl}/_stack/health`);
    expect(health.status).toBe(200);
    const rest = await fetch(`${second.restUrl}/sites?select=id`, { headers: { apikey: second.anonKey } });
    expect(rest.status).toBe(200);
    expect(await rest.json()).toEqual([]);
  });

  it('refuses REST calls without a valid API key', async () => {
    const info = stack.info();
    const none = await fetch(`${info.restUrl}/sites`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { message: string }).message).toMatch(/No API key/);
    const wrong = await fetch(`${info.restUrl}/sites`, { headers: { apikey: 'not-a-key' } });
    expect(wrong.status).toBe(401);
  });

  it('reset gives an empty, fully migrated database', async () => {
    await withClient(stack.dbUrl, (c) => c.query(`insert into auth.users (id, email, aud, role) values (gen_random_uuid(), 'x@y.z', 'authenticated', 'authenticated')`));
    const info = await stack.reset();
    expect(Object.values(info.processes).every((p) => p.running)).toBe(true);
    await withClient(stack.dbUrl, async (c) => {
      const users = await c.query('select count(*)::int as n from auth.users');
      expect(users.rows[0].n).toBe(0);
      const applied = await c.query<{ version: string }>('select version from supabase_migrations.schema_migrations order by version');
      expect(applied.rows.map((r) => r.version)).toEqual(listMigrations(stack.config.migrationsDir).map((m) => m.version));
    });
  });

  it('stop leaves no process and no listening port', async () => {
    const before = stack.info();
    const pids = Object.values(before.processes).map((p) => p.pid).filter((p): p is number => p !== null);
    expect(pids.length).toBe(4);
    await stack.stop();
    for (const pid of pids) expect(isAlive(pid), `pid ${pid} still alive`).toBe(false);
    expect(await allPorts()).toEqual([false, false, false, false, false, false, false]);
    expect(Object.values(stack.info().processes).some((p) => p.running)).toBe(false);
  });

  it('says which port is taken and how to move', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(stack.config.ports.postgrest, '127.0.0.1', () => r()));
    try {
      await expect(stack.start()).rejects.toThrow(new RegExp(`Port ${stack.config.ports.postgrest} on 127.0.0.1 \\(needed by postgrest\\) is taken.*FLOWLENS_STACK_PORT_BASE`, 's'));
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
    expect(await allPorts()).toEqual([false, false, false, false, false, false, false]);
  });
});
