import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../data/alerts.ts';
import { policyProblems, policyWords } from './alertPolicy.ts';

describe('alert policy in words', () => {
  it('says the same sentence as the database (tests/database/alert-policy.test.ts)', () => {
    expect(policyWords(DEFAULT_POLICY, 'UTC')).toBe('Alerts at once on a new or returning P0/P1 bug.');
    expect(policyWords({ mode: 'consecutive', consecutive_runs: 3, flap_flips: 4, flap_window_days: 5, quiet_start: '22:00:00', quiet_end: '07:00' }, 'Europe/Paris')).toBe(
      'Alerts once a P0/P1 bug was seen in 3 runs in a row; a flow that flips between passed and failed 4 times in 5 days is reported once as flapping; quiet hours 22:00–07:00 (Europe/Paris) hold all but P0 alerts for the next daily briefing.',
    );
  });

  it('lists every problem at once', () => {
    expect(policyProblems(DEFAULT_POLICY)).toEqual([]);
    expect(policyProblems({ mode: 'consecutive', consecutive_runs: 1, flap_flips: 40, flap_window_days: 0, quiet_start: '22:00', quiet_end: null })).toEqual([
      'Runs in a row must be a whole number from 2 to 10.',
      'Flips must be a whole number from 2 to 20.',
      'The flapping window must be 1 to 30 days.',
      'Quiet hours need a start and an end.',
    ]);
  });
});
