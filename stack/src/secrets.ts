/**
 * Per-stack secrets, generated on first start and kept in the stack folder (gitignored, mode 0600).
 * Nothing here is a well-known demo value: a fresh clone never shares keys with anyone else.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signJwt } from './jwt.ts';

export interface StackSecrets {
  jwtSecret: string;
  /** The `postgres` role's password: a non-superuser, as on a Supabase project. */
  dbPassword: string;
  /** The bootstrap superuser `supabase_admin`: creates roles, auth/storage and extensions, nothing else. */
  superuserPassword: string;
  /** `supabase_auth_admin` (owns auth; the Auth stand-in connects as it) and `supabase_storage_admin` (owns storage). */
  authAdminPassword: string;
  storageAdminPassword: string;
  authenticatorPassword: string;
  anonKey: string;
  serviceRoleKey: string;
  /** Encrypts site credentials; only the credential function and the crawler hold it. */
  credentialsKey: string;
  /** Signs unsubscribe links in emails. */
  unsubscribeSecret: string;
  /** The demo user's password, printed by `npm start`; local stacks only. */
  demoPassword: string;
}

function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** Readable but unguessable: three words' worth of entropy is plenty for a loopback-only demo. */
function demoPassword(): string {
  return `demo-${randomBytes(6).toString('hex')}`;
}

export function apiKey(role: 'anon' | 'service_role', jwtSecret: string): string {
  const iat = Math.floor(Date.parse('2026-01-01T00:00:00Z') / 1000);
  // Ten years, like the keys `supabase start` prints.
  return signJwt({ iss: 'supabase', ref: 'local', role, iat, exp: iat + 10 * 365 * 24 * 3600 }, jwtSecret);
}

export function loadOrCreateSecrets(dir: string): StackSecrets {
  const file = join(dir, 'secrets.json');
  if (existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StackSecrets>;
    const missing = (['jwtSecret', 'dbPassword', 'authenticatorPassword', 'credentialsKey', 'unsubscribeSecret'] as const).filter(
      (k) => typeof parsed[k] !== 'string',
    );
    if (missing.length > 0) throw new Error(`${file} is missing ${missing.join(', ')}: run \`npm run stack reset\` to regenerate it.`);
    const jwtSecret = parsed.jwtSecret as string;
    const added = { demoPassword, superuserPassword: () => token(24), authAdminPassword: () => token(24), storageAdminPassword: () => token(24) };
    const toAdd = (Object.keys(added) as (keyof typeof added)[]).filter((k) => typeof parsed[k] !== 'string');
    if (toAdd.length > 0) {
      // Added after the first release of the stack: fill them in, keep everything else.
      for (const k of toAdd) parsed[k] = added[k]();
      const { anonKey: _a, serviceRoleKey: _s, ...stored } = parsed;
      writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
    }
    return { ...(parsed as StackSecrets), anonKey: apiKey('anon', jwtSecret), serviceRoleKey: apiKey('service_role', jwtSecret) };
  }
  mkdirSync(dir, { recursive: true });
  const jwtSecret = token(48);
  const secrets: StackSecrets = {
    jwtSecret,
    dbPassword: token(24),
    superuserPassword: token(24),
    authAdminPassword: token(24),
    storageAdminPassword: token(24),
    authenticatorPassword: token(24),
    credentialsKey: randomBytes(32).toString('base64'),
    unsubscribeSecret: token(32),
    demoPassword: demoPassword(),
    anonKey: apiKey('anon', jwtSecret),
    serviceRoleKey: apiKey('service_role', jwtSecret),
  };
  const { anonKey: _a, serviceRoleKey: _s, ...stored } = secrets;
  writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  return secrets;
}
