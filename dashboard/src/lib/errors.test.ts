import { describe, expect, it } from 'vitest';
import { AppError, toFriendly, unwrap } from './errors.ts';

describe('toFriendly', () => {
  it('recognises the crawl rate limit by its hint and keeps the server sentence', () => {
    const f = toFriendly({ code: 'P0001', hint: 'rate_limited', message: 'A crawl of this site was requested at 10:02:11 UTC; wait for it to finish (or two minutes) before asking again.' });
    expect(f.kind).toBe('rate_limited');
    expect(f.title).toBe('A crawl is already on its way');
    expect(f.message).toMatch(/requested at 10:02:11 UTC/);
  });

  it('names the hourly run-now limit as such and keeps its sentence', () => {
    const f = toFriendly({ code: 'hourly_limit', hint: 'rate_limited', message: 'This site has had 6 crawls on request in the last hour, the most FlowLens runs; you can ask again at 10:42 UTC. The nightly crawl runs as usual.' });
    expect(f.kind).toBe('rate_limited');
    expect(f.title).toBe('Enough crawls of this site for now');
    expect(f.message).toMatch(/ask again at 10:42 UTC/);
    expect(toFriendly({ code: 'crawl_in_progress', hint: 'rate_limited', message: 'x' }).title).toBe('A crawl is already on its way');
  });

  it('explains constraint violations in plain words', () => {
    const f = toFriendly({ code: '23514', message: 'new row for relation "sites" violates check constraint "sites_allowed_origins_format"' });
    expect(f.kind).toBe('invalid');
    expect(f.message).toMatch(/scheme and host only/);
  });

  it('turns RLS refusals and network failures into actionable messages', () => {
    expect(toFriendly({ code: '42501', message: 'new row violates row-level security policy for table "sites"' }).message).toMatch(/Ask an owner or admin/);
    expect(toFriendly({ code: '42501', message: 'Only owners and admins of this site\'s organisation can rotate its webhook secret.' }).message).toMatch(/Only owners and admins/);
    expect(toFriendly(new TypeError('Failed to fetch')).kind).toBe('network');
  });

  it('unwrap throws an AppError naming what failed', () => {
    expect(unwrap({ data: [1], error: null }, 'load x')).toEqual([1]);
    expect(() => unwrap({ data: null, error: { message: 'boom' } }, 'load the bugs')).toThrow(AppError);
    expect(() => unwrap({ data: null, error: { message: 'boom' } }, 'load the bugs')).toThrow('Could not load the bugs: boom');
  });
});
