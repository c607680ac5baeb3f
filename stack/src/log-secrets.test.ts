/** The log secret scan finds a secret wherever a log file under the folder holds it, and only there. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSecretsInLogs, TEST_CREDENTIAL_PROBES } from './log-secrets.ts';

describe('log secret scan', () => {
  it('reports each line of each log file that holds a secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-scan-'));
    mkdirSync(join(dir, 'logs'));
    mkdirSync(join(dir, 'storage'));
    writeFileSync(join(dir, 'logs', 'gateway.log'), '{"msg":"ok"}\n{"msg":"Bearer eyJ-service-role-key-123"}\n');
    writeFileSync(join(dir, 'worker.log'), 'typed Worker-Secret 0a1b2c3d& into the field\n');
    writeFileSync(join(dir, 'storage', 'object.log'), 'eyJ-service-role-key-123 (not a log: stored objects are skipped)\n');
    const hits = findSecretsInLogs(dir, [{ name: 'service-role key', match: 'eyJ-service-role-key-123' }, ...TEST_CREDENTIAL_PROBES]);
    expect(hits).toEqual([
      { file: join('logs', 'gateway.log'), line: 2, secret: 'service-role key' },
      { file: 'worker.log', line: 1, secret: 'hostile-worker credential' },
    ]);
  });
});
