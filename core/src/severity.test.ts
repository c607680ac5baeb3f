import { describe, expect, it } from 'vitest';
import { compareSeverity, countBySeverity, isAtLeast, mostSevere, perfMetricColumn, severityRank, type Severity } from './bug.ts';
import { severityFor, type SeverityInput } from './severity.ts';

describe('severity ordering', () => {
  it('orders P0 first', () => {
    const list: Severity[] = ['P2', 'P0', 'P3', 'P1', 'P0'];
    expect([...list].sort(compareSeverity)).toEqual(['P0', 'P0', 'P1', 'P2', 'P3']);
    expect(severityRank('P0')).toBe(0);
    expect(isAtLeast('P0', 'P1')).toBe(true);
    expect(isAtLeast('P2', 'P1')).toBe(false);
    expect(isAtLeast('P1', 'P1')).toBe(true);
    expect(mostSevere(['P3', 'P1', 'P2'])).toBe('P1');
    expect(mostSevere([])).toBeNull();
    expect(countBySeverity([{ severity: 'P1' }, { severity: 'P1' }, { severity: 'P3' }])).toEqual({ P0: 0, P1: 2, P2: 0, P3: 1 });
    expect(perfMetricColumn('lcpMs')).toBe('lcp_ms');
    expect(perfMetricColumn('cls')).toBe('cls');
  });
});

describe('severityFor (DESIGN.md §5)', () => {
  const cases: [string, SeverityInput, Severity][] = [
    ['critical flow broken', { type: 'flow_broken', critical: true }, 'P0'],
    ['flow whose start page does not load', { type: 'flow_broken', critical: false, startPageFailed: true }, 'P0'],
    ['start page document fails', { type: 'request_failed', sameOrigin: true, resourceType: 'document', startPage: true }, 'P0'],
    ['non-critical flow broken', { type: 'flow_broken', critical: false }, 'P1'],
    ['uncaught error on a flow page', { type: 'js_error', onFlowPage: true }, 'P1'],
    ['same-origin fetch fails', { type: 'request_failed', sameOrigin: true, resourceType: 'fetch' }, 'P1'],
    ['same-origin XHR fails', { type: 'request_failed', sameOrigin: true, resourceType: 'xhr' }, 'P1'],
    ['critical axe violation', { type: 'a11y', impact: 'critical' }, 'P1'],
    ['broken link', { type: 'broken_link' }, 'P2'],
    ['broken image', { type: 'request_failed', sameOrigin: true, resourceType: 'image' }, 'P2'],
    ['third-party image', { type: 'request_failed', sameOrigin: false, resourceType: 'image' }, 'P2'],
    ['serious axe violation', { type: 'a11y', impact: 'serious' }, 'P2'],
    ['layout overflow', { type: 'layout_overflow' }, 'P2'],
    ['perf regression of 2.5σ', { type: 'perf_regression', metric: 'lcpMs', sigma: 2.5 }, 'P2'],
    ['perf regression of exactly 2σ', { type: 'perf_regression', sigma: 2 }, 'P3'],
    ['console error', { type: 'console_error' }, 'P3'],
    ['uncaught error off flow pages', { type: 'js_error', onFlowPage: false }, 'P3'],
    ['third-party API fails', { type: 'request_failed', sameOrigin: false, resourceType: 'fetch' }, 'P3'],
    ['non-start document fails', { type: 'request_failed', sameOrigin: true, resourceType: 'document' }, 'P3'],
    ['moderate axe violation', { type: 'a11y', impact: 'moderate' }, 'P3'],
    ['minor axe violation', { type: 'a11y', impact: 'minor' }, 'P3'],
    ['axe without impact', { type: 'a11y', impact: null }, 'P3'],
    ['page changed', { type: 'page_changed' }, 'P3'],
  ];
  for (const [name, input, expected] of cases) {
    it(`${name} → ${expected}`, () => expect(severityFor(input)).toBe(expected));
  }
});
