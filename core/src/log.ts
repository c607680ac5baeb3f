/**
 * The one log format of FlowLens (issue 15): every process — the worker, `flowlens check
 * --log-format json`, the edge functions, the local stack's gateway — writes one JSON object per
 * line with `level`, `time` and `msg`, plus the ids below where they apply. Log shippers (Loki,
 * CloudWatch, Datadog) index these names; `npm run stack -- logs` reads them back.
 *
 * The Deno edge functions cannot import this module (they reach npm only through `npm:`
 * specifiers), so supabase/functions/_shared/log.ts writes the same fields by hand, and a test
 * parses what it wrote with {@link parseLogLine}.
 */
import { z } from 'zod';

/** Level names, lowest first; pino's numeric levels map onto them. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** pino's numbers for the same levels (pino writes `level` as a label with our formatter). */
export const PINO_LEVEL_NUMBERS: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** The context fields a line carries where they apply, in the order a reader wants them. */
export const LOG_CONTEXT_FIELDS = ['org_id', 'site_id', 'run_id', 'job_id', 'flow_id', 'viewport', 'worker_id', 'duration_ms'] as const;
export type LogContextField = (typeof LOG_CONTEXT_FIELDS)[number];

const capped = (max: number) => z.string().max(max);

/** An error as it is logged: its class, message and (bounded) stack; never the object itself. */
export const logErrorSchema = z.object({
  type: capped(200).optional(),
  message: capped(8000),
  stack: capped(16_000).optional(),
});

/**
 * One log line. Unknown extra fields are kept (a process may add its own, e.g. `service`,
 * `function`, `status`), but the shared ones must have these types.
 */
export const logRecordSchema = z.looseObject({
  level: z.enum(LOG_LEVELS),
  time: z.iso.datetime({ offset: true }),
  msg: capped(16_000),
  service: capped(100).optional(),
  org_id: capped(100).optional(),
  site_id: capped(100).optional(),
  run_id: capped(100).optional(),
  job_id: capped(100).optional(),
  flow_id: capped(100).optional(),
  viewport: capped(20).optional(),
  worker_id: capped(200).optional(),
  duration_ms: z.number().finite().nonnegative().optional(),
  err: logErrorSchema.optional(),
});
export type LogRecord = z.infer<typeof logRecordSchema>;

/** Parses one line of a log; null when it is not a FlowLens JSON log line. */
export function parseLogLine(line: string): LogRecord | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = logRecordSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/**
 * Control characters of a message shown on a terminal: a site or flow name is tenant text, and an
 * escape sequence or a line break in it must not repaint the terminal or forge a log line.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const oneLine = (text: string) => text.replace(/\r?\n/g, ' ⏎ ').replace(/\t/g, ' ').replace(CONTROL, '�');

/** Short forms of the ids for a human reader (full ids stay in the JSON). */
const short = (v: string) => (/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(v) ? v.slice(0, 8) : v);

/**
 * One record as a line a person reads on a terminal: time, level, service, message, then the ids
 * it carries. `withTime` off gives the message alone with its context (the worker's terminal output).
 */
export function formatLogRecord(r: LogRecord, opts: { withTime?: boolean; withIds?: boolean } = {}): string {
  const parts: string[] = [];
  if (opts.withTime !== false) parts.push(r.time.replace('T', ' ').replace(/\.\d+Z$|Z$/, '').slice(0, 19));
  if (opts.withTime !== false || r.level !== 'info') parts.push(r.level.toUpperCase().padEnd(5));
  if (r.service && opts.withTime !== false) parts.push(`[${r.service}]`);
  parts.push(oneLine(r.msg));
  if (opts.withIds !== false) {
    const ids = LOG_CONTEXT_FIELDS.filter((f) => r[f] !== undefined && f !== 'worker_id').map((f) => (f === 'duration_ms' ? `${Math.round(r.duration_ms!)} ms` : `${f.replace(/_id$/, '')}=${short(String(r[f]))}`));
    if (ids.length > 0) parts.push(`(${ids.join(' ')})`);
  }
  let line = parts.join(' ');
  if (r.err) line += `\n    ${r.err.type ? `${oneLine(r.err.type)}: ` : ''}${r.err.message.split('\n').map(oneLine).join('\n    ')}`;
  return line;
}

/**
 * Replaces every occurrence of the given secret values in a text by `[redacted]`. Processes pass
 * the secrets they hold (service-role key, credentials key, API keys, decrypted credentials) so a
 * message that happens to quote one (an error echoing a header, a URL) cannot leak it. Values
 * shorter than 6 characters are ignored: redacting "a" would shred every line.
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 6 && out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}
