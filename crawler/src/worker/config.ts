/**
 * The worker's environment contract, validated up front: every problem is collected into one
 * message rather than failing on the first. crawler/deploy/*.yaml and the README's configuration
 * reference are checked against WORKER_ENV by a test, so they cannot drift.
 */
import { hostname } from 'node:os';

export interface EnvVar {
  name: string;
  required: boolean;
  secret: boolean;
  description: string;
  default?: string;
}

export const WORKER_ENV: readonly EnvVar[] = [
  { name: 'SUPABASE_URL', required: true, secret: false, description: 'API URL of the Supabase project (or the local stack gateway).' },
  { name: 'SUPABASE_SERVICE_ROLE_KEY', required: true, secret: true, description: 'Service-role key: the worker claims jobs of every organisation through the queue functions.' },
  { name: 'FLOWLENS_CREDENTIALS_KEY', required: false, secret: true, description: 'Base64 32-byte key that decrypts site credentials for flows that sign in (same as the credentials edge function).' },
  { name: 'FLOWLENS_WORKER_ID', required: false, secret: false, description: 'Lease owner name; defaults to hostname-pid.' },
  { name: 'FLOWLENS_CONCURRENCY', required: false, secret: false, description: 'Jobs (browser contexts) run at once in this container.', default: '2' },
  { name: 'FLOWLENS_LEASE_SECONDS', required: false, secret: false, description: 'Lease length; the worker heartbeats at a third of it.', default: '120' },
  { name: 'FLOWLENS_POLL_INTERVAL_MS', required: false, secret: false, description: 'Wait between claims when the queue is empty.', default: '2000' },
  { name: 'FLOWLENS_JOB_TIMEOUT_MS', required: false, secret: false, description: 'Wall-clock limit per job; a job over it fails (and is retried with backoff).', default: '600000' },
  { name: 'FLOWLENS_STEP_TIMEOUT_MS', required: false, secret: false, description: 'Default per-step timeout when a flow sets none.', default: '10000' },
  { name: 'FLOWLENS_BROWSER_MAX_CONTEXTS', required: false, secret: false, description: 'Recycle the browser after this many contexts.', default: '200' },
  { name: 'FLOWLENS_BROWSER_MAX_RSS_MB', required: false, secret: false, description: 'Recycle the browser when its processes use more memory than this.', default: '1500' },
  { name: 'FLOWLENS_BROWSER_SANDBOX', required: false, secret: false, description: "Chromium's sandbox: auto (on unless the worker runs as root; a failed sandboxed start falls back once, with a warning) or off.", default: 'auto' },
  { name: 'FLOWLENS_CHROMIUM_PATH', required: false, secret: false, description: 'Browser executable; defaults to /usr/bin/chromium when present, else Playwright\'s bundled Chromium.' },
  { name: 'FLOWLENS_HEALTH_PORT', required: false, secret: false, description: 'Port of /healthz, /readyz and the Prometheus /metrics endpoint (0 disables it).', default: '8080' },
  { name: 'FLOWLENS_HEALTH_HOST', required: false, secret: false, description: 'Address the health and metrics port listens on (all interfaces in a container; 127.0.0.1 for a worker on a shared machine).', default: '0.0.0.0' },
  { name: 'FLOWLENS_QUEUE_METRICS', required: false, secret: false, description: 'on: /metrics also serves the queue as the database sees it (queue_metrics()); off: only this worker\'s own metrics.', default: 'on' },
  { name: 'FLOWLENS_LOG_FORMAT', required: false, secret: false, description: 'json (one JSON object a line), pretty (readable lines) or auto (pretty on a terminal, JSON otherwise).', default: 'auto' },
  { name: 'FLOWLENS_LOG_LEVEL', required: false, secret: false, description: 'Lowest level logged: debug, info, warn or error.', default: 'info' },
  { name: 'FLOWLENS_SHUTDOWN_GRACE_MS', required: false, secret: false, description: 'On SIGTERM, how long running jobs may take to finish before they are released.', default: '25000' },
  { name: 'FLOWLENS_SCREENSHOT_BUCKET', required: false, secret: false, description: 'Storage bucket for evidence screenshots.', default: 'screenshots' },
  { name: 'FLOWLENS_ONLY_SITES', required: false, secret: false, description: 'Comma-separated site ids this worker serves (a dedicated fleet); empty serves every site.' },
  { name: 'ANTHROPIC_API_KEY', required: false, secret: true, description: 'When set, Claude settles ambiguous locator matches; otherwise deterministic scoring decides.' },
  { name: 'ANTHROPIC_BASE_URL', required: false, secret: false, description: 'Override of the Anthropic API URL (tests use a local fake).' },
  { name: 'ANTHROPIC_MODEL', required: false, secret: false, description: 'Claude model for locator tie-breaks.', default: 'claude-sonnet-4-6' },
];

export interface WorkerConfig {
  supabaseUrl: string;
  serviceRoleKey: string;
  credentialsKey: string | undefined;
  workerId: string;
  concurrency: number;
  leaseSeconds: number;
  pollIntervalMs: number;
  jobTimeoutMs: number;
  stepTimeoutMs: number;
  maxContextsPerBrowser: number;
  maxBrowserRssMb: number;
  healthPort: number;
  healthHost: string;
  queueMetrics: boolean;
  logFormat: 'json' | 'pretty' | 'auto';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  shutdownGraceMs: number;
  screenshotBucket: string;
  anthropicApiKey: string | undefined;
  onlySites: string[] | null;
}

export class ConfigError extends Error {}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const problems: string[] = [];
  const get = (name: string) => {
    const v = env[name];
    return v === undefined || v === '' ? (WORKER_ENV.find((e) => e.name === name)?.default ?? undefined) : v;
  };
  const required = (name: string) => {
    const v = get(name);
    if (!v) problems.push(`${name} is required: ${WORKER_ENV.find((e) => e.name === name)?.description}`);
    return v ?? '';
  };
  const int = (name: string, min: number, max: number) => {
    const raw = get(name);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return min;
    }
    return n;
  };
  const oneOf = <T extends string>(name: string, values: readonly T[]): T => {
    const raw = (get(name) ?? values[0]!).trim().toLowerCase();
    const hit = values.find((v) => v === raw);
    if (!hit) problems.push(`${name} must be one of ${values.join(', ')} (got "${raw}")`);
    return hit ?? values[0]!;
  };
  const supabaseUrl = required('SUPABASE_URL');
  if (supabaseUrl && !/^https?:\/\//.test(supabaseUrl)) problems.push(`SUPABASE_URL must be an http(s) URL (got "${supabaseUrl}")`);
  const config: WorkerConfig = {
    supabaseUrl: supabaseUrl.replace(/\/$/, ''),
    serviceRoleKey: required('SUPABASE_SERVICE_ROLE_KEY'),
    credentialsKey: get('FLOWLENS_CREDENTIALS_KEY'),
    workerId: get('FLOWLENS_WORKER_ID') ?? `${hostname()}-${process.pid}`,
    concurrency: int('FLOWLENS_CONCURRENCY', 1, 32),
    leaseSeconds: int('FLOWLENS_LEASE_SECONDS', 10, 3600),
    pollIntervalMs: int('FLOWLENS_POLL_INTERVAL_MS', 50, 600_000),
    jobTimeoutMs: int('FLOWLENS_JOB_TIMEOUT_MS', 1000, 24 * 3600 * 1000),
    stepTimeoutMs: int('FLOWLENS_STEP_TIMEOUT_MS', 100, 600_000),
    maxContextsPerBrowser: int('FLOWLENS_BROWSER_MAX_CONTEXTS', 1, 100_000),
    maxBrowserRssMb: int('FLOWLENS_BROWSER_MAX_RSS_MB', 100, 1_000_000),
    healthPort: int('FLOWLENS_HEALTH_PORT', 0, 65535),
    healthHost: get('FLOWLENS_HEALTH_HOST') ?? '0.0.0.0',
    queueMetrics: oneOf('FLOWLENS_QUEUE_METRICS', ['on', 'off'] as const) === 'on',
    logFormat: oneOf('FLOWLENS_LOG_FORMAT', ['auto', 'json', 'pretty'] as const),
    logLevel: oneOf('FLOWLENS_LOG_LEVEL', ['info', 'debug', 'warn', 'error'] as const),
    shutdownGraceMs: int('FLOWLENS_SHUTDOWN_GRACE_MS', 0, 3_600_000),
    screenshotBucket: get('FLOWLENS_SCREENSHOT_BUCKET') ?? 'screenshots',
    anthropicApiKey: get('ANTHROPIC_API_KEY'),
    onlySites: get('FLOWLENS_ONLY_SITES') ? get('FLOWLENS_ONLY_SITES')!.split(',').map((s) => s.trim()).filter(Boolean) : null,
  };
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const badSites = (config.onlySites ?? []).filter((s) => !uuid.test(s));
  if (badSites.length > 0) problems.push(`FLOWLENS_ONLY_SITES must list site ids (uuids); not: ${badSites.join(', ')}`);
  const key = config.credentialsKey;
  if (key && Buffer.from(key, 'base64').length !== 32) problems.push('FLOWLENS_CREDENTIALS_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)');
  if (problems.length > 0) throw new ConfigError(`The worker's configuration has problems:\n- ${problems.join('\n- ')}`);
  return config;
}
