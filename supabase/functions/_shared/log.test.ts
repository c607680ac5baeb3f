/**
 * The edge functions' logger: one JSON object a line with the shared fields (level, time, msg,
 * service, ids, err), children that carry their context, levels below the minimum dropped, and no
 * secret — neither a field with a secret's name nor a secret value quoted in a message.
 */
import { assert, assertEquals } from './testing.ts';
import { createLogger } from './log.ts';
import { parseLogLine } from '../../../core/src/log.ts';

Deno.test('log: writes the shared JSON fields, with ids and errors', () => {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l), secrets: [] }).child({ function: 'notify', site_id: 's-1' });
  log.info('sent', { run_id: 'r-1', duration_ms: 12 });
  log.error('failed', { err: new TypeError('boom') });
  log.debug('not shown');
  assertEquals(lines.length, 2);
  const first = JSON.parse(lines[0]!);
  assertEquals([first.level, first.msg, first.service, first.function, first.site_id, first.run_id, first.duration_ms], ['info', 'sent', 'functions', 'notify', 's-1', 'r-1', 12]);
  assert(!Number.isNaN(Date.parse(first.time)) && first.time.endsWith('Z'), first.time);
  const second = JSON.parse(lines[1]!);
  assertEquals([second.level, second.err.type, second.err.message], ['error', 'TypeError', 'boom']);
  // One format across the parts: every line parses with core's log record schema, fields intact.
  for (const line of lines) assert(parseLogLine(line) !== null, line);
  assertEquals([parseLogLine(lines[0]!)?.site_id, parseLogLine(lines[1]!)?.err?.type], ['s-1', 'TypeError']);
});

Deno.test('log: never writes a secret', () => {
  const lines: string[] = [];
  const secret = 'sk-very-secret-value-123';
  const log = createLogger({ write: (l) => lines.push(l), secrets: [secret] });
  log.warn(`SMTP refused the password ${secret}`, { password: 'hunter2-hunter2', headers: { note: secret }, err: new Error(`auth ${secret}`) });
  assertEquals(lines.length, 1);
  assert(!lines[0]!.includes(secret), lines[0]);
  assert(!lines[0]!.includes('hunter2'), lines[0]);
  assertEquals(JSON.parse(lines[0]!).password, '[redacted]');
});
