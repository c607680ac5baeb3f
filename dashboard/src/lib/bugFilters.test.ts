import { describe, expect, it } from 'vitest';
import { applyBugFilters, DEFAULT_FILTERS, pageRange, parseBugFilters, serialiseBugFilters, type FilterBuilder } from './bugFilters.ts';

/** Records the PostgREST calls the filters make. */
class Recorder implements FilterBuilder<Recorder> {
  calls: string[] = [];
  private add(s: string): Recorder {
    this.calls.push(s);
    return this;
  }
  eq(c: string, v: unknown) {
    return this.add(`eq ${c} ${String(v)}`);
  }
  in(c: string, v: readonly unknown[]) {
    return this.add(`in ${c} ${v.join(',')}`);
  }
  or(f: string) {
    return this.add(`or ${f}`);
  }
  gt(c: string, v: unknown) {
    return this.add(`gt ${c} ${String(v)}`);
  }
  contains(c: string, v: unknown) {
    return this.add(`contains ${c} ${JSON.stringify(v)}`);
  }
  order(c: string, o?: { ascending?: boolean }) {
    return this.add(`order ${c} ${o?.ascending === false ? 'desc' : 'asc'}`);
  }
}

const NOW = new Date('2026-11-22T12:00:00.000Z');
const FLOW = '55555555-5555-4555-8555-555555555555';

describe('bug filters in the URL', () => {
  it('parses every filter and drops invalid values', () => {
    const f = parseBugFilters(new URLSearchParams(`severity=P1,P9,P0&status=snoozed&type=a11y&path=/cart&viewport=mobile&flow=${FLOW}&sort=oldest&p=3`));
    expect(f).toEqual({ severity: ['P0', 'P1'], status: 'snoozed', type: 'a11y', path: '/cart', viewport: 'mobile', flow: FLOW, sort: 'oldest', page: 3 });
    expect(parseBugFilters(new URLSearchParams('status=nope&type=evil&viewport=watch&flow=x;drop&p=-2&sort=random'))).toEqual(DEFAULT_FILTERS);
  });

  it('round-trips, leaving defaults out of the URL', () => {
    expect(serialiseBugFilters(DEFAULT_FILTERS).toString()).toBe('');
    const f = { ...DEFAULT_FILTERS, severity: ['P0' as const], status: 'fixed' as const, page: 2 };
    expect(parseBugFilters(serialiseBugFilters(f))).toEqual(f);
  });

  it('pages are 25 rows, 0-based ranges', () => {
    expect(pageRange(1)).toEqual([0, 24]);
    expect(pageRange(3)).toEqual([50, 74]);
  });
});

describe('bug filters as PostgREST filters', () => {
  it('open: asked of SQL (the computed field is_open: core\'s open statuses, no false positive, not snoozed at the database\'s now), most severe first', () => {
    const q = applyBugFilters(new Recorder(), DEFAULT_FILTERS, NOW);
    expect(q.calls).toEqual([
      'eq is_open true',
      'order severity asc',
      'order first_seen_at desc',
      'order id asc',
    ]);
  });

  it('fixed: not a false positive, not snoozed at the given time', () => {
    expect(applyBugFilters(new Recorder(), { ...DEFAULT_FILTERS, status: 'fixed' }, NOW).calls.slice(0, 3)).toEqual([
      'eq status fixed',
      'eq false_positive false',
      'or snoozed_until.is.null,snoozed_until.lte."2026-11-22T12:00:00.000Z"',
    ]);
  });

  it('snoozed, false positive and all', () => {
    expect(applyBugFilters(new Recorder(), { ...DEFAULT_FILTERS, status: 'snoozed' }, NOW).calls.slice(0, 2)).toEqual(['gt snoozed_until 2026-11-22T12:00:00.000Z', 'eq false_positive false']);
    expect(applyBugFilters(new Recorder(), { ...DEFAULT_FILTERS, status: 'false_positive' }, NOW).calls[0]).toBe('eq false_positive true');
    expect(applyBugFilters(new Recorder(), { ...DEFAULT_FILTERS, status: 'all' }, NOW).calls[0]).toBe('order severity asc');
  });

  it('severity, type, page, viewport, flow and sort', () => {
    const q = applyBugFilters(new Recorder(), { ...DEFAULT_FILTERS, status: 'regressed', severity: ['P0', 'P1'], type: 'js_error', path: '/cart', viewport: 'mobile', flow: FLOW, sort: 'newest' }, NOW);
    expect(q.calls).toEqual([
      'in severity P0,P1',
      'eq status regressed',
      'eq is_open true',
      'eq type js_error',
      'eq url_template /cart',
      'contains viewports ["mobile"]',
      `eq flow_id ${FLOW}`,
      'order first_seen_at desc',
      'order id asc',
    ]);
  });
});
