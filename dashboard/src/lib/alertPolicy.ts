/**
 * The alert policy in one sentence, as the database writes it next to each alert
 * (private.alert_policy_words in supabase/migrations/20261203002000_alert_policies.sql); the
 * settings page shows it live while an admin edits the policy.
 */
import type { AlertPolicy } from '../data/alerts.ts';

export function policyWords(p: AlertPolicy, timezone: string): string {
  const parts = [
    p.mode === 'immediate' ? 'Alerts at once on a new or returning P0/P1 bug' : `Alerts once a P0/P1 bug was seen in ${p.consecutive_runs} runs in a row`,
  ];
  if (p.flap_flips !== null) {
    parts.push(`a flow that flips between passed and failed ${p.flap_flips} times in ${p.flap_window_days} days is reported once as flapping`);
  }
  if (p.quiet_start && p.quiet_end) {
    parts.push(`quiet hours ${p.quiet_start.slice(0, 5)}–${p.quiet_end.slice(0, 5)} (${timezone}) hold all but P0 alerts for the next daily briefing`);
  }
  return `${parts.join('; ')}.`;
}

/** Problems with a policy an admin is editing, all at once (the database refuses the same). */
export function policyProblems(p: AlertPolicy): string[] {
  const out: string[] = [];
  if (p.mode === 'consecutive' && !(Number.isInteger(p.consecutive_runs) && p.consecutive_runs >= 2 && p.consecutive_runs <= 10)) {
    out.push('Runs in a row must be a whole number from 2 to 10.');
  }
  if (p.flap_flips !== null && !(Number.isInteger(p.flap_flips) && p.flap_flips >= 2 && p.flap_flips <= 20)) out.push('Flips must be a whole number from 2 to 20.');
  if (!(Number.isInteger(p.flap_window_days) && p.flap_window_days >= 1 && p.flap_window_days <= 30)) out.push('The flapping window must be 1 to 30 days.');
  if ((p.quiet_start === null) !== (p.quiet_end === null)) out.push('Quiet hours need a start and an end.');
  else if (p.quiet_start && p.quiet_start === p.quiet_end) out.push('Quiet hours cannot start and end at the same time.');
  return out;
}
