import { describe, expect, it } from 'vitest';
import { formatLogRecord, parseLogLine, redactSecrets } from './log.ts';

describe('the one log format', () => {
  it('parses FlowLens records and refuses other lines', () => {
    expect(parseLogLine('{"level":"info","time":"2026-12-03T13:00:00.000Z","msg":"hi","job_id":"j","extra":1}')).toMatchObject({ msg: 'hi', job_id: 'j', extra: 1 });
    expect(parseLogLine('plain text')).toBeNull();
    expect(parseLogLine('{"level":30,"time":1,"msg":"pino numbers"}')).toBeNull();
    expect(parseLogLine('{"level":"info","time":"2026-12-03T13:00:00.000Z","msg":"x","duration_ms":-1}')).toBeNull();
    expect(parseLogLine('{not json')).toBeNull();
  });

  it('formats a record for a person', () => {
    const r = parseLogLine('{"level":"error","time":"2026-12-03T13:00:00.000Z","service":"worker","msg":"✖ job","site_id":"7424ac31-0f36-4c57-ad0a-ffc6d2a9bcc7","duration_ms":12.4,"err":{"type":"Error","message":"boom"}}')!;
    expect(formatLogRecord(r)).toBe('2026-12-03 13:00:00 ERROR [worker] ✖ job (site=7424ac31 12 ms)\n    Error: boom');
    expect(formatLogRecord(r, { withTime: false, withIds: false })).toBe('ERROR ✖ job\n    Error: boom');
  });

  it('keeps tenant text on one line and without terminal escapes', () => {
    const r = parseLogLine(JSON.stringify({ level: 'info', time: '2026-12-03T13:00:00.000Z', msg: 'flow "a\n2026-12-03 00:00:00 ERROR forged\u001b[2J"' }))!;
    expect(formatLogRecord(r, { withTime: false })).toBe('flow "a ⏎ 2026-12-03 00:00:00 ERROR forged�[2J"');
  });

  it('redacts secret values of six characters or more', () => {
    expect(redactSecrets('key=abcdef123 and abcdef123', ['abcdef123', 'ab'])).toBe('key=[redacted] and [redacted]');
  });
});
