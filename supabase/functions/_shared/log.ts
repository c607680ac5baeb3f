/**
 * The edge functions' logger (issue 15): the JSON line format of core/src/log.ts (its levels and
 * their numbers; log.test.ts parses every line with core's `logRecordSchema`) — `level`, `time`,
 * `msg`, `service`, and the ids
 * a line is about (`org_id`, `site_id`, `run_id`, …, `duration_ms`, `err`). Supabase's log explorer
 * indexes JSON fields; the local stack's `npm run stack -- logs` reads them back.
 *
 * Secrets never reach the output: fields with secret names are censored, and every line is scrubbed
 * of the secret values in this function's environment (service-role key, credentials key, SMTP
 * password, Anthropic key, unsubscribe secret, database URL).
 */

import { type LogLevel, PINO_LEVEL_NUMBERS } from '../../../core/src/log.ts';

/** The levels a function logs at (core's, without trace and fatal). */
export type Level = Extract<LogLevel, 'debug' | 'info' | 'warn' | 'error'>;
const ORDER: Record<Level, number> = { debug: PINO_LEVEL_NUMBERS.debug, info: PINO_LEVEL_NUMBERS.info, warn: PINO_LEVEL_NUMBERS.warn, error: PINO_LEVEL_NUMBERS.error };

/** Context a line may carry; other fields are free but must be JSON. */
export interface LogFields {
  org_id?: string;
  site_id?: string;
  run_id?: string;
  job_id?: string;
  flow_id?: string;
  viewport?: string;
  worker_id?: string;
  duration_ms?: number;
  err?: unknown;
  [key: string]: unknown;
}

/** Field names whose values are never written (the same list as crawler/src/log.ts). */
export const REDACTED_KEYS = new Set(['password', 'secret', 'token', 'authorization', 'apikey', 'ciphertext', 'serviceRoleKey', 'credentialsKey', 'anthropicApiKey', 'value']);

/** Environment variables whose values are scrubbed from every line. */
export const SECRET_ENV = ['SUPABASE_SERVICE_ROLE_KEY', 'FLOWLENS_CREDENTIALS_KEY', 'FLOWLENS_UNSUBSCRIBE_SECRET', 'SMTP_PASS', 'ANTHROPIC_API_KEY', 'SUPABASE_DB_URL', 'FLOWLENS_JWT_SECRET'];

function envSecrets(): string[] {
  const out: string[] = [];
  for (const name of SECRET_ENV) {
    try {
      const v = Deno.env.get(name);
      if (v && v.length >= 6) out.push(v);
    } catch {
      /* no env permission: nothing to scrub from it */
    }
  }
  // The database password alone, too: an error may quote it without the rest of the URL.
  const db = out.find((v) => v.startsWith('postgres'));
  if (db) {
    try {
      const pw = decodeURIComponent(new URL(db).password);
      if (pw.length >= 6) out.push(pw);
    } catch {
      /* not a URL: the whole value is scrubbed already */
    }
  }
  return out;
}

/** An error as the log schema wants it: class, message, bounded stack. */
export function errorFields(e: unknown): { type?: string; message: string; stack?: string } {
  if (e instanceof Error) return { type: e.name, message: e.message.slice(0, 8000), ...(e.stack ? { stack: e.stack.slice(0, 16_000) } : {}) };
  return { message: String(e).slice(0, 8000) };
}

function clean(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (k === 'err') out.err = errorFields(v);
    else if (REDACTED_KEYS.has(k)) out[k] = '[redacted]';
    else out[k] = v;
  }
  return out;
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose every line also carries these fields. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  service?: string;
  base?: LogFields;
  level?: Level;
  /** Where a line goes (default: console.log, i.e. the function's standard output). */
  write?: (line: string) => void;
  /** Secret values to scrub (default: those of the environment). */
  secrets?: string[];
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const secrets = opts.secrets ?? envSecrets();
  const write = opts.write ?? ((line: string) => console.log(line));
  let min: Level = opts.level ?? 'info';
  try {
    const fromEnv = Deno.env.get('FLOWLENS_LOG_LEVEL') as Level | undefined;
    if (!opts.level && fromEnv && fromEnv in ORDER) min = fromEnv;
  } catch {
    /* no env permission: the default level */
  }
  const make = (base: LogFields): Logger => {
    const emit = (level: Level, msg: string, fields: LogFields = {}) => {
      if (ORDER[level] < ORDER[min]) return;
      const record = { level, time: new Date().toISOString(), service: opts.service ?? 'functions', ...clean(base), ...clean(fields), msg };
      let line = JSON.stringify(record);
      for (const s of secrets) if (line.includes(s)) line = line.split(s).join('[redacted]');
      write(line);
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(opts.base ?? {});
}

/** The functions' shared logger; a function binds its name with `log.child({ function: 'notify' })`. */
export const log: Logger = createLogger();
