/**
 * The crawler's logger: JSON lines that parse with core's one log schema and carry the context a
 * child binds; readable lines on a terminal; secrets censored by field name and scrubbed by value;
 * the format chosen from the setting and whether the output is a terminal.
 */
import { parseLogLine } from '@flowlens/core';
import { describe, expect, it } from 'vitest';
import { createLogger, errorFields, resolveLogFormat, SecretValues } from './log.ts';

function capture() {
  const lines: string[] = [];
  return { lines, out: { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) } };
}

describe('crawler logger', () => {
  it('writes JSON records with the shared fields and the ids a child binds', () => {
    const { lines, out } = capture();
    const log = createLogger({ format: 'json', service: 'worker', base: { worker_id: 'w-1' }, out, secrets: [] });
    log.child({ run_id: 'r-1', job_id: 'j-1', viewport: 'mobile' }).info({ duration_ms: 1234 }, 'job done');
    log.error({ err: errorFields(new RangeError('out of range')) }, 'failed');
    log.debug('hidden at info');
    expect(lines).toHaveLength(2);
    const done = parseLogLine(lines[0]!);
    expect(done).toMatchObject({ level: 'info', msg: 'job done', service: 'worker', worker_id: 'w-1', run_id: 'r-1', job_id: 'j-1', viewport: 'mobile', duration_ms: 1234 });
    expect(Date.parse(done!.time)).toBeGreaterThan(0);
    expect(parseLogLine(lines[1]!)?.err).toMatchObject({ type: 'RangeError', message: 'out of range' });
  });

  it('prints readable lines on a terminal', () => {
    const { lines, out } = capture();
    const log = createLogger({ format: 'pretty', service: 'worker', out, secrets: [] });
    log.child({ run_id: '5b0c7a52-1111-4a4a-8b8b-123456789abc' }).info('▶ job started');
    log.warn('careful');
    expect(lines).toEqual(['▶ job started (run=5b0c7a52)', 'WARN  careful']);
  });

  it('never writes a secret, by field name or by value', () => {
    const { lines, out } = capture();
    const secrets = new SecretValues();
    secrets.add('svc-role-key-abcdef', 'x');
    const log = createLogger({ format: 'json', service: 'worker', out, secrets });
    log.warn({ password: 'hunter2-hunter2', headers: { authorization: 'Bearer abc' }, note: 'svc-role-key-abcdef' }, 'refused with svc-role-key-abcdef');
    const text = lines.join('\n');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('Bearer abc');
    expect(text).not.toContain('svc-role-key-abcdef');
    expect(parseLogLine(lines[0]!)).toMatchObject({ password: '[redacted]', msg: 'refused with [redacted]' });
  });

  it('keeps a bounded set of secret values', () => {
    const s = new SecretValues(2);
    s.add('first-secret', 'second-secret', 'third-secret');
    expect([...s]).toEqual(['second-secret', 'third-secret']);
  });

  it('chooses the format from the setting and the terminal', () => {
    expect(resolveLogFormat(undefined, true)).toBe('pretty');
    expect(resolveLogFormat(undefined, false)).toBe('json');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('JSON', true)).toBe('json');
    expect(resolveLogFormat(undefined, false, 'pretty')).toBe('pretty');
    expect(() => resolveLogFormat('xml', true)).toThrow(/json, pretty or auto/);
  });
});
