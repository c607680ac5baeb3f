/**
 * Logs of the local stack (issue 15).
 *
 * Writing: the gateway process logs FlowLens's one JSON format (core/src/log.ts) with pino, like the
 * worker; the functions server does the same from Deno (supabase/functions/_shared/log.ts). The
 * stack's keys are scrubbed from every line.
 *
 * Reading (`npm run stack -- logs`): every process's log file — the stack's services, and the worker
 * and dashboard `npm start` runs — is read into the same records. Postgres and PostgREST write their
 * own text formats (third-party binaries); their lines are turned into records here (level, time,
 * msg, service) rather than reconfigured. Records are merged in time order, filtered (by service, by
 * run id) and printed readably or as JSON.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatLogRecord, parseLogLine, redactSecrets, type LogLevel, type LogRecord } from '@flowlens/core';
import pino, { type Logger } from 'pino';

export function createStackLogger(service: string, secrets: string[] = []): Logger {
  return pino(
    {
      base: { service },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: ['password', 'authorization', 'apikey', 'token', '*.password', '*.authorization', '*.apikey', '*.token'], censor: '[redacted]' },
    },
    { write: (line: string) => void process.stdout.write(redactSecrets(line, secrets)) },
  );
}

/** One log file and the process it belongs to. */
export interface LogSource {
  service: string;
  file: string;
}

/**
 * The log files of a stack folder: the services' files in logs/, `npm start`'s worker.log and
 * dashboard.log, and the workers tests start (logs/worker-<id>.log).
 */
export function logSources(dir: string, serviceFiles: Record<string, string>): LogSource[] {
  const out: LogSource[] = Object.entries(serviceFiles).map(([service, file]) => ({ service, file }));
  for (const name of ['worker', 'dashboard']) out.push({ service: name, file: join(dir, `${name}.log`) });
  const logs = join(dir, 'logs');
  if (existsSync(logs)) {
    for (const f of readdirSync(logs).sort()) {
      const m = /^(worker-.+)\.log$/.exec(f);
      if (m) out.push({ service: m[1]!, file: join(logs, f) });
    }
  }
  return out;
}

const MONTHS: Record<string, string> = { Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06', Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12' };
const PG_LEVELS: Record<string, LogLevel> = { DEBUG1: 'debug', DEBUG2: 'debug', DEBUG3: 'debug', DEBUG4: 'debug', DEBUG5: 'debug', LOG: 'info', INFO: 'info', NOTICE: 'info', STATEMENT: 'info', DETAIL: 'info', HINT: 'info', CONTEXT: 'info', WARNING: 'warn', ERROR: 'error', FATAL: 'fatal', PANIC: 'fatal' };

/**
 * One line of one process as a record. `previousTime` dates a line that carries no time of its own
 * (a stack trace's continuation, a dev server's banner).
 */
export function normaliseLine(line: string, service: string, previousTime: string): LogRecord | null {
  if (!line.trim()) return null;
  const json = parseLogLine(line);
  if (json) return { ...json, service: json.service ?? service };
  // Postgres: "2026-12-03 13:00:00.123 UTC [4242] LOG:  database system is ready to accept connections"
  const pg = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)? (UTC|GMT|[+-]\d\d(?::?\d\d)?)? ?\[\d+\] ([A-Z0-9]+):\s+(.*)$/.exec(line);
  if (pg) {
    const zone = !pg[4] || pg[4] === 'UTC' || pg[4] === 'GMT' ? 'Z' : pg[4].length === 3 ? `${pg[4]}:00` : pg[4];
    const time = toIso(`${pg[1]}T${pg[2]}${pg[3] ?? ''}${zone}`, previousTime);
    return { level: PG_LEVELS[pg[5]!] ?? 'info', time, msg: pg[6]!, service };
  }
  // PostgREST 12: "03/Dec/2026:13:00:00 +0000: Starting PostgREST 12.0.2..."
  const pgrst = /^(\d\d)\/([A-Z][a-z]{2})\/(\d{4}):(\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d): (.*)$/.exec(line);
  if (pgrst && MONTHS[pgrst[2]!]) {
    const time = toIso(`${pgrst[3]}-${MONTHS[pgrst[2]!]}-${pgrst[1]}T${pgrst[4]}${pgrst[5]}:${pgrst[6]}`, previousTime);
    const msg = pgrst[7]!;
    return { level: /error|fatal|failed/i.test(msg) ? 'error' : /warn/i.test(msg) ? 'warn' : 'info', time, msg, service };
  }
  return { level: /\berror\b|✖/i.test(line) ? 'error' : 'info', time: previousTime, msg: line.trimEnd(), service };
}

function toIso(text: string, fallback: string): string {
  const t = Date.parse(text);
  return Number.isFinite(t) ? new Date(t).toISOString() : fallback;
}

/** Every record of one file (from byte `from`), with the time it dates untimed lines from. */
export function readRecords(source: LogSource, from = 0, startTime = new Date(0).toISOString()): { records: LogRecord[]; end: number; lastTime: string } {
  if (!existsSync(source.file)) return { records: [], end: 0, lastTime: startTime };
  const size = statSync(source.file).size;
  if (size <= from) return { records: [], end: size, lastTime: startTime };
  const fd = openSync(source.file, 'r');
  let text: string;
  try {
    const buf = Buffer.alloc(size - from);
    readSync(fd, buf, 0, buf.length, from);
    text = buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
  // A last line still being written is read next time.
  const complete = text.lastIndexOf('\n') + 1;
  let time = startTime;
  const records: LogRecord[] = [];
  for (const line of text.slice(0, complete).split('\n')) {
    const r = normaliseLine(line, source.service, time);
    if (!r) continue;
    time = r.time;
    records.push(r);
  }
  return { records, end: from + Buffer.byteLength(text.slice(0, complete)), lastTime: time };
}

export interface LogFilter {
  /** Keep only records about this crawl run (its run_id, or a text line naming it). */
  runId?: string;
  /** Keep only records at this level or above. */
  minLevel?: LogLevel;
}

const LEVEL_ORDER: LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

export function matches(r: LogRecord, f: LogFilter): boolean {
  if (f.runId && r.run_id !== f.runId && !(r.run_id === undefined && r.msg.includes(f.runId))) return false;
  if (f.minLevel && LEVEL_ORDER.indexOf(r.level) < LEVEL_ORDER.indexOf(f.minLevel)) return false;
  return true;
}

/** Records of all sources, merged in time order (a file's own order kept for equal times). */
export function mergedRecords(sources: LogSource[], filter: LogFilter = {}): LogRecord[] {
  // Lines before a file's first timed line (a dev server's banner) are dated by the file's creation.
  const created = (file: string) => {
    try {
      const st = statSync(file);
      return (st.birthtimeMs > 0 ? st.birthtime : st.mtime).toISOString();
    } catch {
      return new Date(0).toISOString();
    }
  };
  const all = sources.flatMap((s, i) => readRecords(s, 0, created(s.file)).records.map((r, j) => ({ r, i, j })));
  all.sort((a, b) => a.r.time.localeCompare(b.r.time) || a.i - b.i || a.j - b.j);
  return all.map((x) => x.r).filter((r) => matches(r, filter));
}

export function printRecord(r: LogRecord, json: boolean): string {
  return json ? JSON.stringify(r) : formatLogRecord(r);
}

/** `logs -f`: prints what the sources gain until the signal aborts. */
export async function followRecords(sources: LogSource[], filter: LogFilter, json: boolean, signal: AbortSignal, out: (line: string) => void = (l) => console.log(l)): Promise<void> {
  const state = sources.map((s) => ({ s, end: existsSync(s.file) ? statSync(s.file).size : 0, time: new Date().toISOString() }));
  while (!signal.aborted) {
    for (const st of state) {
      if (existsSync(st.s.file) && statSync(st.s.file).size < st.end) st.end = 0; // truncated or replaced
      const { records, end, lastTime } = readRecords(st.s, st.end, st.time);
      st.end = end;
      st.time = lastTime;
      for (const r of records) if (matches(r, filter)) out(printRecord(r, json));
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
