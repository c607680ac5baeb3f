/**
 * `npm run stack -- logs` reading: JSON records as they are, Postgres and PostgREST text lines turned
 * into the same records, untimed lines dated by the line before, files merged in time order, and
 * the --run filter keeping one crawl's lines.
 */
import { mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { followRecords, logSources, mergedRecords, normaliseLine, printRecord } from './log.ts';

const RUN = '5b0c7a52-1111-4a4a-8b8b-123456789abc';

describe('stack logs', () => {
  it('reads JSON records, Postgres and PostgREST lines into one shape', () => {
    const t0 = '2026-12-03T00:00:00.000Z';
    expect(normaliseLine('{"level":"warn","time":"2026-12-03T13:00:01.000Z","msg":"x","run_id":"r"}', 'worker', t0)).toMatchObject({ level: 'warn', msg: 'x', run_id: 'r', service: 'worker' });
    expect(normaliseLine('2026-12-03 13:00:00.123 UTC [4242] ERROR:  relation "nope" does not exist', 'postgres', t0)).toEqual({ level: 'error', time: '2026-12-03T13:00:00.123Z', msg: 'relation "nope" does not exist', service: 'postgres' });
    expect(normaliseLine('03/Dec/2026:13:00:02 +0000: Listening on port 55527', 'postgrest', t0)).toEqual({ level: 'info', time: '2026-12-03T13:00:02.000Z', msg: 'Listening on port 55527', service: 'postgrest' });
    expect(normaliseLine('    at Object.<anonymous> (file.ts:1:1)', 'gateway', t0)).toMatchObject({ time: t0, service: 'gateway' });
    expect(normaliseLine('   ', 'gateway', t0)).toBeNull();
    // A JSON line that is not a FlowLens record is kept as text, not trusted.
    expect(normaliseLine('{"level":42,"msg":"pino default"}', 'x', t0)).toMatchObject({ level: 'info', msg: '{"level":42,"msg":"pino default"}' });
  });

  it('merges every process in time order and filters one run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-logs-'));
    const pgLog = join(dir, 'postgres.log');
    writeFileSync(pgLog, '2026-12-03 13:00:00.000 UTC [1] LOG:  database system is ready to accept connections\n');
    writeFileSync(join(dir, 'worker.log'), [
      JSON.stringify({ level: 'info', time: '2026-12-03T13:00:02.000Z', service: 'worker', run_id: RUN, job_id: 'j1', msg: '▶ job j1' }),
      JSON.stringify({ level: 'info', time: '2026-12-03T13:00:05.000Z', service: 'worker', run_id: 'other', msg: '▶ job j2' }),
      JSON.stringify({ level: 'info', time: '2026-12-03T13:00:04.000Z', service: 'worker', run_id: RUN, duration_ms: 2000, msg: '✔ job j1' }),
      '',
    ].join('\n'));
    const sources = logSources(dir, { postgres: pgLog, functions: join(dir, 'logs', 'functions.log') });
    expect(sources.map((s) => s.service)).toEqual(['postgres', 'functions', 'worker', 'dashboard']);
    const all = mergedRecords(sources);
    expect(all.map((r) => r.msg)).toEqual(['database system is ready to accept connections', '▶ job j1', '✔ job j1', '▶ job j2']);
    const one = mergedRecords(sources, { runId: RUN });
    expect(one.map((r) => r.msg)).toEqual(['▶ job j1', '✔ job j1']);
    expect(printRecord(one[1]!, false)).toBe('2026-12-03 13:00:04 INFO  [worker] ✔ job j1 (run=5b0c7a52 2000 ms)');
    expect(JSON.parse(printRecord(one[1]!, true)).run_id).toBe(RUN);

    // -f prints what is appended, filtered.
    const printed: string[] = [];
    const stop = new AbortController();
    const following = followRecords(sources, { runId: RUN }, false, stop.signal, (l) => printed.push(l));
    appendFileSync(join(dir, 'worker.log'), `${JSON.stringify({ level: 'error', time: '2026-12-03T13:00:06.000Z', service: 'worker', run_id: RUN, msg: 'late' })}\n${JSON.stringify({ level: 'info', time: '2026-12-03T13:00:07.000Z', run_id: 'other', msg: 'not this run' })}\n`);
    const deadline = Date.now() + 10_000;
    while (printed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    await following;
    expect(printed).toEqual(['2026-12-03 13:00:06 ERROR [worker] late (run=5b0c7a52)']);
  });
});
