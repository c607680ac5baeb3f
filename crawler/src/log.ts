/**
 * The crawler's logger (issue 15): pino writing FlowLens's one JSON log format (core/src/log.ts) —
 * `level` as a name, `time` as ISO 8601, `msg`, and the context ids a child logger binds
 * (`log.child({ job_id, run_id, … })`). On a terminal the same records are printed as readable lines
 * (the message and its ids); `--log-format json` (CLI) or FLOWLENS_LOG_FORMAT=json (worker) asks for
 * JSON anywhere, and the worker writes JSON by default when its output is not a terminal (a
 * container, a log file).
 *
 * Secrets never reach the output: known secret field names are censored by pino's `redact`, and
 * every line is scrubbed of the secret values the process holds (service-role key, credentials
 * key, API keys, credentials decrypted for a job) before it is written.
 */
import { formatLogRecord, parseLogLine, redactSecrets } from '@flowlens/core';
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';
export type LogFormat = 'json' | 'pretty';

/** `json`, `pretty`, or `auto` (pretty on a terminal, JSON otherwise). */
export function resolveLogFormat(value: string | undefined, isTerminal: boolean, fallback: 'auto' | LogFormat = 'auto'): LogFormat {
  const v = (value ?? '').trim().toLowerCase() || fallback;
  if (v === 'json' || v === 'pretty') return v;
  if (v === 'auto') return isTerminal ? 'pretty' : 'json';
  throw new Error(`The log format must be json, pretty or auto (got "${value}").`);
}

/**
 * Secret values to scrub from every line, shared by the loggers of this process. Decrypted
 * credentials are added per job; the set is bounded (oldest dropped) so a long-lived worker does
 * not grow without end — a value dropped from it is one the worker no longer holds.
 */
export class SecretValues {
  private readonly values = new Set<string>();
  constructor(private readonly max = 2000) {}
  add(...values: (string | undefined | null)[]): void {
    for (const v of values) {
      if (!v || v.length < 6) continue;
      this.values.delete(v);
      this.values.add(v);
      if (this.values.size > this.max) this.values.delete(this.values.values().next().value!);
    }
  }
  [Symbol.iterator](): Iterator<string> {
    return this.values[Symbol.iterator]();
  }
}

/** The secrets of this process (the CLI and the worker add theirs at start). */
export const processSecrets = new SecretValues();

/** Field names whose values are never written, wherever they appear in a logged object. */
export const REDACTED_PATHS = [
  'password',
  'secret',
  'token',
  'authorization',
  'apikey',
  'ciphertext',
  'serviceRoleKey',
  'credentialsKey',
  'anthropicApiKey',
  'headers.authorization',
  'headers.apikey',
  '*.password',
  '*.secret',
  '*.token',
  '*.authorization',
  '*.apikey',
  '*.ciphertext',
  '*.serviceRoleKey',
  '*.credentialsKey',
  '*.anthropicApiKey',
];

export interface LoggerOptions {
  format: LogFormat;
  /** Which process writes (`worker`, `check`, `gateway`…): the `service` field. */
  service: string;
  /** Fields on every line (e.g. worker_id). */
  base?: Record<string, unknown>;
  level?: string;
  secrets?: Iterable<string>;
  /** Where lines go (default: standard output). */
  out?: { write(chunk: string): unknown };
}

export function createLogger(opts: LoggerOptions): Logger {
  const out = opts.out ?? process.stdout;
  const secrets = opts.secrets ?? processSecrets;
  const destination = {
    write(line: string): void {
      const clean = redactSecrets(line, secrets);
      if (opts.format === 'json') {
        out.write(clean);
        return;
      }
      const record = parseLogLine(clean);
      out.write(`${record ? formatLogRecord(record, { withTime: false }) : clean.trimEnd()}\n`);
    },
  };
  return pino(
    {
      level: opts.level ?? process.env.FLOWLENS_LOG_LEVEL ?? 'info',
      base: { service: opts.service, ...opts.base },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: errorFields },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

/** An error as core's log schema wants it: class, message, bounded stack. */
export function errorFields(e: unknown): { type?: string; message: string; stack?: string } {
  if (e instanceof Error) return { type: e.name, message: e.message.slice(0, 8000), ...(e.stack ? { stack: e.stack.slice(0, 16_000) } : {}) };
  // Already in this shape (the serializer runs on what a caller passed through errorFields).
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') {
    const o = e as { type?: unknown; message: string; stack?: unknown };
    return { ...(typeof o.type === 'string' ? { type: o.type } : {}), message: o.message.slice(0, 8000), ...(typeof o.stack === 'string' ? { stack: o.stack.slice(0, 16_000) } : {}) };
  }
  return { message: String(e).slice(0, 8000) };
}
