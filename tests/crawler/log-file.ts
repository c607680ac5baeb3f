/**
 * Workers the tests start write their output into the test stack's logs/ folder as well, so the
 * suite's final secret scan (scripts/test.ts, issue 15) reads everything they logged.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stackInfo } from '@flowlens/stack/testing';

export function keepWorkerLog(child: ChildProcess, id: string): void {
  const dir = join(stackInfo().dir, 'logs');
  mkdirSync(dir, { recursive: true });
  const file = createWriteStream(join(dir, `worker-${id.replace(/[^a-zA-Z0-9_-]/g, '_')}.log`), { flags: 'a' });
  child.stdout?.on('data', (d: Buffer) => file.write(d));
  child.stderr?.on('data', (d: Buffer) => file.write(d));
  child.once('exit', () => file.end());
}
