import { describe, expect, it } from 'vitest';
import { age, displayName, duration, greeting, metricValue, percentChange, relativeTime, safeHref, selectorText, shortSha } from './format.ts';

const NOW = new Date('2026-11-22T12:00:00Z');

describe('format', () => {
  it('greets by the time of day', () => {
    expect(greeting(new Date(2026, 10, 22, 8))).toBe('Good morning');
    expect(greeting(new Date(2026, 10, 22, 14))).toBe('Good afternoon');
    expect(greeting(new Date(2026, 10, 22, 21))).toBe('Good evening');
    expect(greeting(new Date(2026, 10, 22, 2))).toBe('Good evening');
  });

  it('says how long ago, in words and compactly', () => {
    expect(relativeTime('2026-11-22T11:59:40Z', NOW)).toBe('just now');
    expect(relativeTime('2026-11-22T11:55:00Z', NOW)).toBe('5 minutes ago');
    expect(relativeTime('2026-11-22T09:00:00Z', NOW)).toBe('3 hours ago');
    expect(relativeTime('2026-11-21T12:00:00Z', NOW)).toBe('1 day ago');
    expect(relativeTime('2026-11-26T12:00:00Z', NOW)).toBe('in 4 days');
    expect(relativeTime(null, NOW)).toBe('—');
    expect(age('2026-11-22T11:30:00Z', NOW)).toBe('30m');
    expect(age('2026-11-22T06:00:00Z', NOW)).toBe('6h');
    expect(age('2026-11-10T12:00:00Z', NOW)).toBe('12d');
  });

  it('formats durations and metrics', () => {
    expect(duration('2026-11-22T02:00:00Z', '2026-11-22T02:00:38Z')).toBe('38 s');
    expect(duration('2026-11-22T02:00:00Z', '2026-11-22T02:04:12Z')).toBe('4 min 12 s');
    expect(duration('2026-11-22T02:00:00Z', '2026-11-22T03:02:00Z')).toBe('1 h 02 min');
    expect(duration(null, '2026-11-22T03:02:00Z')).toBe('—');
    expect(metricValue('load_ms', 1240)).toBe('1.24 s');
    expect(metricValue('ttfb_ms', 320.4)).toBe('320 ms');
    expect(metricValue('cls', 0.1234)).toBe('0.123');
    expect(metricValue('lcp_ms', null)).toBe('—');
    expect(percentChange(1200, 1000)).toBe('+20.0%');
    expect(percentChange(900, 1000)).toBe('-10.0%');
    expect(percentChange(900, 0)).toBe('—');
  });

  it('finds a name to greet', () => {
    expect(displayName({ email: 'ada@x.io', user_metadata: { full_name: 'Ada Lovelace' } })).toBe('Ada');
    expect(displayName({ email: 'grace@x.io', user_metadata: {} })).toBe('Grace');
    expect(displayName(null)).toBe('there');
  });

  it('only lets http(s) URLs become links', () => {
    expect(safeHref('https://shop.example.com/cart?x=1')).toBe('https://shop.example.com/cart?x=1');
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,<b>x</b>')).toBeNull();
    expect(safeHref('not a url')).toBeNull();
  });

  it('shortens shas and prints selectors', () => {
    expect(shortSha('9f2c4e1ab77d0c55')).toBe('9f2c4e1');
    expect(shortSha('v1.2.3')).toBe('v1.2.3');
    expect(selectorText({ kind: 'testid', value: 'pay-now' })).toBe('testid: pay-now');
    expect(selectorText({ kind: 'role', value: 'button', name: 'Pay' })).toBe('role: button "Pay"');
    expect(selectorText('#pay')).toBe('#pay');
  });
});
