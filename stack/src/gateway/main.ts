/**
 * Entry point of the gateway process the stack starts: the API gateway, the Auth and Storage
 * stand-ins and the mail sink, all on 127.0.0.1. Reads the stack's folder, ports and secrets from
 * the same configuration the CLI uses, so it needs no arguments.
 */
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, urls } from '../config.ts';
import { MailSink } from '../mail.ts';
import { roleUrl } from '../postgres.ts';
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
const log = createStackLogger('gateway', [secrets.serviceRoleKey, secrets.anonKey, secrets.jwtSecret, secrets.dbPassword, secrets.authenticatorPassword, secrets.authAdminPassword, secrets.storageAdminPassword, secrets.superuserPassword, secrets.credentialsKey, secrets.unsubscribeSecret, secrets.demoPassword]);
const errorOf = (e: unknown) => (e instanceof Error ? { type: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) } : { message: String(e) });
// As on Supabase, Auth connects as supabase_auth_admin and Storage as supabase_storage_admin (each
// owns its schema and nothing else), so neither stand-in leans on privileges the real services lack.
const authPool = new pg.Pool({ connectionString: roleUrl(config, 'supabase_auth_admin', secrets.authAdminPassword), max: 10 });
const storagePool = new pg.Pool({ connectionString: roleUrl(config, 'supabase_storage_admin', secrets.storageAdminPassword), max: 10 });
for (const pool of [authPool, storagePool]) pool.on('error', (e) => log.error({ err: errorOf(e) }, 'gateway: idle database connection failed'));

const auth = new AuthService({
  pool: authPool,
  jwtSecret: secrets.jwtSecret,
  issuer: `${u.gateway}/auth/v1`,
  jwtExpiry: Number(process.env.FLOWLENS_JWT_EXPIRY ?? 3600),
  limits: {
    perIp: parseRateWindow(process.env.FLOWLENS_AUTH_LIMIT_PER_IP, DEFAULT_AUTH_LIMITS.perIp),
    perAddress: parseRateWindow(process.env.FLOWLENS_AUTH_LIMIT_PER_ADDRESS, DEFAULT_AUTH_LIMITS.perAddress),
  },
});
const storage = new StorageService({ pool: storagePool, jwtSecret: secrets.jwtSecret, root: join(config.dir, 'storage') });
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
  await Promise.all([authPool.end(), storagePool.end()]).catch(() => {});
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
