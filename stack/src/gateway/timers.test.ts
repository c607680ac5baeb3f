import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTimers, timersEnabled, type Timers } from './timers.ts';

describe('stack timers (local pg_cron stand-in)', () => {
  let server: http.Server | null = null;
  let timers: Timers | null = null;
  afterEach(async () => {
    timers?.stop();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = null;
  });

  it('calls schedule then notify with the service-role key on every tick, never overlapping', async () => {
    const calls: { path: string; auth: string | undefined }[] = [];
    server = http.createServer((req, res) => {
      calls.push({ path: req.url ?? '', auth: req.headers.authorization });
      // The functions' real answers (core's ScheduleResponse and NotifyResponse).
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(req.url?.endsWith('schedule') ? '{"now":"2027-01-12T02:01:00.000Z","runs":[]}' : '{"now":"2027-01-12T02:01:00.000Z","digestsQueued":0,"confirmations":[],"outcomes":[],"channelOutcomes":[]}');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const lines: string[] = [];
    timers = startTimers({ functionsUrl: `http://127.0.0.1:${port}/functions/v1`, serviceRoleKey: 'srk', intervalMs: 60_000, log: (l) => lines.push(l) });
    await Promise.all([timers.tick(), timers.tick()]);
    expect(calls).toEqual([
      { path: '/functions/v1/schedule', auth: 'Bearer srk' },
      { path: '/functions/v1/notify', auth: 'Bearer srk' },
    ]);
    expect(lines).toEqual([]);
  });

  it('counts what the functions did, and logs an answer that is not their contract', async () => {
    server = http.createServer((req, res) => {
      const body = req.url?.endsWith('schedule')
        ? { now: '2027-01-12T02:01:00.000Z', runs: [{ siteId: 's', slot: '2027-01-12T02:00:00.000Z', runId: 'r' }] }
        : { outcomes: 'many' };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const lines: string[] = [];
    timers = startTimers({ functionsUrl: `http://127.0.0.1:${port}/functions/v1`, serviceRoleKey: 'srk', log: (l) => lines.push(l) });
    await timers.tick();
    expect(lines).toEqual(['timers: schedule queued 1 run(s)', 'timers: notify answered something unexpected: {"outcomes":"many"}']);
  });

  it('logs a failing function and carries on', async () => {
    const lines: string[] = [];
    timers = startTimers({ functionsUrl: 'http://127.0.0.1:9/functions/v1', serviceRoleKey: 'srk', log: (l) => lines.push(l) });
    await timers.tick();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^timers: schedule failed/);
  });

  it('FLOWLENS_TIMERS=off disables them', () => {
    expect(timersEnabled({})).toBe(true);
    expect(timersEnabled({ FLOWLENS_TIMERS: 'off' })).toBe(false);
    expect(timersEnabled({ FLOWLENS_TIMERS: 'on' })).toBe(true);
  });
});
