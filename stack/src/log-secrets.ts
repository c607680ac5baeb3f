/**
 * "Secrets never appear in logs" as a check (issue 15): reads every log file under a stack folder —
 * the stack's own processes and the workers the tests started — and reports each line that holds a
 * secret. `npm test` runs it over the test stack's folder when the suite is done and fails on any hit.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { StackSecrets } from './secrets.ts';

export interface SecretProbe {
  name: string;
  /** An exact value, or a pattern for values generated per test run. */
  match: string | RegExp;
}

export interface SecretHit {
  file: string;
  line: number;
  secret: string;
}

/** The stack's own secrets (the anon key is public by design and left out). */
export function stackSecretProbes(s: StackSecrets): SecretProbe[] {
  return [
    { name: 'service-role key', match: s.serviceRoleKey },
    { name: 'JWT secret', match: s.jwtSecret },
    { name: 'database password', match: s.dbPassword },
    { name: 'authenticator password', match: s.authenticatorPassword },
    { name: 'credentials key', match: s.credentialsKey },
    { name: 'unsubscribe secret', match: s.unsubscribeSecret },
    { name: 'demo password', match: s.demoPassword },
  ];
}

/**
 * Credential values the test suite stores or hands to workers: the demo shop customer's password
 * (stored encrypted for the demo's sign-up flow) and the canaries tests/crawler/hostile-worker.test.ts
 * generates per run.
 */
export const TEST_CREDENTIAL_PROBES: SecretProbe[] = [
  { name: 'demo shop customer password', match: 'lumen-shopper-1' },
  { name: 'hostile-worker credential', match: /Worker-Secret [0-9a-f]{8}/ },
  { name: 'hostile-worker environment canary', match: /canary-(anthropic|smtp)-\d+-w\d/ },
];

function logFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const path = join(dir, e);
    let st;
    try {
      st = statSync(path);
    } catch {
      continue;
    }
    if (st.isDirectory()) {
      // The cluster's data files and stored objects are not logs.
      if (!['data', 'storage', 'mail'].includes(e)) out.push(...logFiles(path));
    } else if (e.endsWith('.log')) out.push(path);
  }
  return out;
}

export function findSecretsInLogs(dir: string, probes: SecretProbe[]): SecretHit[] {
  const hits: SecretHit[] = [];
  const usable = probes.filter((p) => (typeof p.match === 'string' ? p.match.length >= 6 : true));
  for (const file of logFiles(dir)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, i) => {
      for (const p of usable) {
        if (typeof p.match === 'string' ? text.includes(p.match) : p.match.test(text)) hits.push({ file: relative(dir, file), line: i + 1, secret: p.name });
      }
    });
  }
  return hits;
}
