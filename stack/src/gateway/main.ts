/**
 * Entry point of the gateway process the stack starts: the API gateway, the Auth and Storage
 * stand-ins and the mail sink, all on 127.0.0.1. Reads the stack's folder, ports and secrets from
 * the same configuration the CLI uses, so it needs no arguments.
 */
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, urls } from '../config.ts';
import { MailSink } from '../mail.ts';
import { adminUrl } from '../postgres.ts';
import { createStackLogger } from '../log.ts';
import { loadOrCreateSecrets } from '../secrets.ts';
import { AuthService, DEFAULT_AUTH_LIMITS, parseRateWindow } from './auth.ts';
import { createGateway } from './server.ts';
import { StorageService } from './storage.ts';
import { startTimers, timersEnabled } from './timers.ts';

const config = loadConfig();
const secrets = loadOrCreateSecrets(config.dir);
const u = urls(config);
// JSON lines in .stack/logs/gateway.log (read them with `npm run stack -- logs gateway`); the
// stack's keys are scrubbed from every line.
const log = createStackLogger('gateway', [secrets.serviceRoleKey, secrets.anonKey, secrets.jwtSecret, secrets.dbPassword, secrets.authenticatorPassword, secrets.credentialsKey, secrets.unsubscribeSecret, secrets.demoPassword]);
const errorOf = (e: unknown) => (e instanceof Error ? { type: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) } : { message: String(e) });
const pool = new pg.Pool({ connectionString: adminUrl(config, secrets), max: 20 });
pool.on('error', (e) => log.error({ err: errorOf(e) }, 'gateway: idle database connection failed'));

const auth = new AuthService({
  pool,
  jwtSecret: secrets.jwtSecret,
  issuer: `${u.gateway}/auth/v1`,
  jwtExpiry: Number(process.env.FLOWLENS_JWT_EXPIRY ?? 3600),
  limits: {
    perIp: parseRateWindow(process.env.FLOWLENS_AUTH_LIMIT_PER_IP, DEFAULT_AUTH_LIMITS.perIp),
    perAddress: parseRateWindow(process.env.FLOWLENS_AUTH_LIMIT_PER_ADDRESS, DEFAULT_AUTH_LIMITS.perAddress),
  },
});
const storage = new StorageService({ pool, jwtSecret: secrets.jwtSecret, root: join(config.dir, 'storage') });
const gateway = createGateway({
  anonKey: secrets.anonKey,
  serviceRoleKey: secrets.serviceRoleKey,
  jwtSecret: secrets.jwtSecret,
  postgrestUrl: u.postgrest,
  functionsUrl: u.functions,
  configToml: config.configToml,
  auth,
  storage,
  onError: (message, e) => log.error({ err: errorOf(e) }, message),
});
const mail = new MailSink(join(config.dir, 'mail'));

await mail.listen(config.ports.smtp, config.ports.mailbox, config.host);
await new Promise<void>((resolve, reject) => {
  gateway.once('error', reject);
  gateway.listen(config.ports.gateway, config.host, () => resolve());
});
log.info(`gateway listening on ${u.gateway}; mailbox ${u.mailbox}; smtp ${config.host}:${config.ports.smtp}`);

// pg_cron's job locally: call `schedule` and `notify` every minute (FLOWLENS_TIMERS=off disables).
const timerInterval = Number(process.env.FLOWLENS_TIMER_INTERVAL_MS ?? 60_000);
const timers = timersEnabled()
  ? startTimers({ functionsUrl: `${u.gateway}/functions/v1`, serviceRoleKey: secrets.serviceRoleKey, intervalMs: timerInterval, log: (line) => log.info(line) })
  : null;
log.info(timers ? `timers: schedule and notify run every ${timerInterval / 1000} s` : 'timers: off (FLOWLENS_TIMERS=off)');

const shutdown = async () => {
  timers?.stop();
  gateway.close();
  await mail.close().catch(() => {});
  await pool.end().catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
