/**
 * On a bug's page: whether it was alerted, held for the briefing or folded into a flapping notice,
 * and why, in the words of the site's alert policy (issue 18). Nothing when no alert was decided.
 */
import { fetchBugAlerts } from '../../data/alerts.ts';
import { relativeTime } from '../../lib/format.ts';
import { useDb } from '../../lib/supabase.tsx';
import { useResource } from '../../stores/resources.ts';
import { Card } from '../../components/ui.tsx';

const DECISION_TEXT: Record<string, string> = { sent: 'Alert sent', held: 'Alert held', suppressed: 'No alert', flapping: 'Flapping' };

export function BugAlerts({ bugId }: { bugId: string }) {
  const db = useDb();
  const alerts = useResource(`bug-alerts:${bugId}`, () => fetchBugAlerts(db, bugId));
  // A failed or empty read shows nothing: the rest of the page does not depend on it.
  if (!alerts.data || alerts.data.length === 0) return null;
  return (
    <Card title="Alerts" labelledBy="bug-alerts-title">
      <ul className="space-y-2 text-sm" data-testid="bug-alerts">
        {alerts.data.map((d) => (
          <li key={d.id}>
            <span className="font-medium">{DECISION_TEXT[d.decision] ?? d.decision}</span>: {d.reason}{' '}
            <span className="text-xs text-muted">{relativeTime(d.decided_at)}</span>
          </li>
        ))}
      </ul>
    </Card>
  );
}
