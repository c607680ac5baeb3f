/** One bug in a list: severity, human title, page, viewports, status and age; the title links to it. */
import { Link } from 'react-router';
import type { BugListRow } from '../data/types.ts';
import { age, TYPE_LABELS } from '../lib/format.ts';
import { BugStatusPills, SeverityBadge, ViewportTags } from './ui.tsx';

export function BugList({ bugs, siteId, now = new Date(), showStatus = true, label }: { bugs: BugListRow[]; siteId: string; now?: Date; showStatus?: boolean; label: string }) {
  return (
    <ul className="divide-y divide-line" aria-label={label}>
      {bugs.map((b) => (
        <li key={b.id} className="py-3 first:pt-0 last:pb-0">
          <BugRow bug={b} siteId={siteId} now={now} showStatus={showStatus} />
        </li>
      ))}
    </ul>
  );
}

export function BugRow({ bug, siteId, now, showStatus }: { bug: BugListRow; siteId: string; now: Date; showStatus: boolean }) {
  return (
    <div className="flex items-start gap-3" data-bug-id={bug.id}>
      <div className="w-10 shrink-0 pt-0.5">
        <SeverityBadge severity={bug.severity} />
      </div>
      <div className="min-w-0 flex-1">
        <Link to={`/sites/${siteId}/bugs/${bug.id}`} className="link block font-medium break-words text-ink no-underline hover:text-accent hover:underline">
          {bug.title}
        </Link>
        <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted">
          <span className="metric max-w-[16rem] truncate" title={bug.url_template}>
            {bug.url_template}
          </span>
          <span>{TYPE_LABELS[bug.type] ?? bug.type}</span>
          <ViewportTags viewports={bug.viewports} />
          {showStatus && <BugStatusPills bug={bug} now={now} />}
        </div>
      </div>
      <span className="metric shrink-0 pt-0.5 text-xs text-muted" title={`First seen ${new Date(bug.first_seen_at).toLocaleString('en-GB')}`}>
        <span className="sr-only">age </span>
        {age(bug.first_seen_at, now)}
      </span>
    </div>
  );
}
