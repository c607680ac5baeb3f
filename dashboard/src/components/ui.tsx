/**
 * The dashboard's small component kit: cards, buttons, skeletons, badges, empty states, pagination.
 * Colour is never the only signal: severity dots carry their label, trend arrows their number.
 */
import { useEffect, type ButtonHTMLAttributes, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { BugListRow, Severity, Viewport } from '../data/types.ts';
import { count } from '../lib/format.ts';
import { severityColour, tokens } from '../theme.ts';

export function cx(...parts: Array<string | false | null | undefined>): string {
  return parts.filter(Boolean).join(' ');
}

export function Card({ children, className, title, action, as: Tag = 'section', labelledBy }: {
  children: ReactNode;
  className?: string;
  title?: ReactNode;
  action?: ReactNode;
  as?: 'section' | 'div' | 'article';
  labelledBy?: string;
}) {
  return (
    <Tag className={cx('card min-w-0 p-5 sm:p-6 fade-in', className)} aria-labelledby={labelledBy}>
      {(title || action) && (
        <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
          {title && (
            <h2 id={labelledBy} className="text-base font-semibold text-ink">
              {title}
            </h2>
          )}
          {action}
        </div>
      )}
      {children}
    </Tag>
  );
}

type Variant = 'primary' | 'secondary' | 'danger' | 'ghost';

const VARIANTS: Record<Variant, string> = {
  primary: 'bg-accent text-white border border-accent hover:bg-[#1d4ed8] disabled:bg-[#93b4f5] disabled:border-[#93b4f5]',
  secondary: 'bg-surface text-ink border border-line hover:border-[#cfcfcc] hover:bg-[#f5f5f3] disabled:text-muted',
  danger: 'bg-surface text-[#b91c1c] border border-[#f1c4c4] hover:bg-[#fdf2f2] disabled:text-muted',
  ghost: 'bg-transparent text-ink border border-transparent hover:bg-[#f0f0ee] disabled:text-muted',
};

export function Button({ variant = 'secondary', className, busy, children, ...rest }: ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; busy?: boolean }) {
  return (
    <button
      type="button"
      {...rest}
      aria-busy={busy || undefined}
      disabled={rest.disabled || busy}
      className={cx(
        'inline-flex min-h-9 items-center justify-center gap-2 rounded-[8px] px-3.5 py-1.5 text-sm font-medium transition-colors duration-200 ease-out disabled:cursor-not-allowed',
        VARIANTS[variant],
        busy && 'opacity-70',
        className,
      )}
    >
      {children}
    </button>
  );
}

export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={cx('skeleton', className ?? 'h-4 w-full')} />;
}

/** A card-shaped placeholder while a section loads; announced once to screen readers. */
export function SkeletonCard({ lines = 4, className, label = 'Loading' }: { lines?: number; className?: string; label?: string }) {
  return (
    <div className={cx('card p-5 sm:p-6', className)} role="status" aria-label={label}>
      <Skeleton className="mb-4 h-5 w-40" />
      <div className="space-y-3">
        {Array.from({ length: lines }, (_, i) => (
          <Skeleton key={i} className={cx('h-4', i % 3 === 2 ? 'w-2/3' : 'w-full')} />
        ))}
      </div>
    </div>
  );
}

export function ErrorCard({ message, onRetry, title = 'This did not load' }: { message: string; onRetry?: () => void; title?: string }) {
  return (
    <div role="alert" className="card border-l-4 p-5" style={{ borderLeftColor: tokens.critical }}>
      <p className="font-semibold">{title}</p>
      <p className="mt-1 text-sm text-muted">{message}</p>
      {onRetry && (
        <Button className="mt-3" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}

export function EmptyState({ title, children, action, icon }: { title: string; children?: ReactNode; action?: ReactNode; icon?: ReactNode }) {
  return (
    <div className="flex flex-col items-center px-4 py-10 text-center">
      {icon && <div className="mb-3 text-muted">{icon}</div>}
      <p className="text-base font-semibold">{title}</p>
      {children && <div className="mt-1 max-w-md text-sm text-muted">{children}</div>}
      {action && <div className="mt-4">{action}</div>}
    </div>
  );
}

export function SeverityDot({ severity }: { severity: Severity }) {
  const c = severityColour[severity];
  const hollow = severity === 'P1';
  return (
    <span
      aria-hidden="true"
      className="inline-block h-2.5 w-2.5 shrink-0 rounded-full"
      style={{ background: hollow ? 'transparent' : c, boxShadow: hollow ? `inset 0 0 0 2.5px ${c}` : undefined }}
    />
  );
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  return (
    <span className="metric inline-flex items-center gap-1.5 text-xs font-semibold" title={`Severity ${severity}`}>
      <SeverityDot severity={severity} />
      {severity}
    </span>
  );
}

const STATUS_STYLE: Record<string, string> = {
  new: 'bg-[#eef3fe] text-[#1e40af]',
  active: 'bg-[#fdf2f2] text-[#991b1b]',
  regressed: 'bg-[#fdf2f2] text-[#991b1b]',
  fixed: 'bg-[#effaf3] text-[#166534]',
  snoozed: 'bg-[#f4f4f2] text-[#4a4a4a]',
  false_positive: 'bg-[#f4f4f2] text-[#4a4a4a]',
  passed: 'bg-[#effaf3] text-[#166534]',
  failed: 'bg-[#fdf2f2] text-[#991b1b]',
  errored: 'bg-[#fef8e7] text-[#854d0e]',
  needs_setup: 'bg-[#fef8e7] text-[#854d0e]',
  completed: 'bg-[#effaf3] text-[#166534]',
  running: 'bg-[#eef3fe] text-[#1e40af]',
  queued: 'bg-[#f4f4f2] text-[#4a4a4a]',
  cancelled: 'bg-[#f4f4f2] text-[#4a4a4a]',
  done: 'bg-[#effaf3] text-[#166534]',
  healed: 'bg-[#fef8e7] text-[#854d0e]',
  pending: 'bg-[#fef8e7] text-[#854d0e]',
  accepted: 'bg-[#effaf3] text-[#166534]',
  rejected: 'bg-[#f4f4f2] text-[#4a4a4a]',
};

const STATUS_TEXT: Record<string, string> = { false_positive: 'false positive', needs_setup: 'needs setup' };

export function StatusPill({ status, className }: { status: string; className?: string }) {
  return (
    <span className={cx('inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap', STATUS_STYLE[status] ?? STATUS_STYLE.queued, className)}>
      {STATUS_TEXT[status] ?? status}
    </span>
  );
}

/** The lifecycle status plus the silencing flags a bug carries, as pills. */
export function BugStatusPills({ bug, now = new Date() }: { bug: Pick<BugListRow, 'status' | 'snoozed_until' | 'false_positive'>; now?: Date }) {
  const snoozed = bug.snoozed_until !== null && new Date(bug.snoozed_until) > now;
  return (
    <span className="inline-flex flex-wrap gap-1">
      <StatusPill status={bug.status} />
      {snoozed && <StatusPill status="snoozed" />}
      {bug.false_positive && <StatusPill status="false_positive" />}
    </span>
  );
}

const VIEWPORT_ICON: Record<Viewport, string> = { desktop: 'D', tablet: 'T', mobile: 'M' };

export function ViewportTags({ viewports }: { viewports: Viewport[] }) {
  if (!viewports.length) return <span className="text-muted">—</span>;
  return (
    <span className="inline-flex gap-1">
      {viewports.map((v) => (
        <span key={v} title={v} className="metric rounded border border-line px-1 text-[11px] text-muted">
          <span aria-hidden="true">{VIEWPORT_ICON[v]}</span>
          <span className="sr-only">{v}</span>
        </span>
      ))}
    </span>
  );
}

export function PageHeader({ title, subtitle, actions }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h1 className="text-2xl font-semibold tracking-tight text-ink">{title}</h1>
        {subtitle && <div className="mt-1 text-sm text-muted">{subtitle}</div>}
      </div>
      {actions && <div className="flex flex-wrap gap-2">{actions}</div>}
    </div>
  );
}

/** Server-side pagination: links, so every page is a deep link and the back button works. */
export function Pagination({ page, pageSize, total, hrefFor, label = 'Pagination' }: { page: number; pageSize: number; total: number; hrefFor: (page: number) => string; label?: string }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (total === 0) return null;
  const from = (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  const linkClass = 'inline-flex min-h-9 items-center rounded-[8px] border border-line bg-surface px-3 text-sm transition-colors duration-200 ease-out hover:bg-[#f5f5f3]';
  return (
    <nav aria-label={label} className="mt-4 flex flex-wrap items-center justify-between gap-3 text-sm">
      <p className="text-muted">
        Showing <span className="metric">{count(from)}</span>–<span className="metric">{count(to)}</span> of <span className="metric">{count(total)}</span>
      </p>
      <div className="flex gap-2">
        {page > 1 ? (
          <Link className={linkClass} to={hrefFor(page - 1)} rel="prev">
            ← Previous
          </Link>
        ) : (
          <span className={cx(linkClass, 'cursor-not-allowed text-muted opacity-60')} aria-disabled="true">
            ← Previous
          </span>
        )}
        <span className="metric inline-flex items-center px-1 text-muted">
          {page} / {pages}
        </span>
        {page < pages ? (
          <Link className={linkClass} to={hrefFor(page + 1)} rel="next">
            Next →
          </Link>
        ) : (
          <span className={cx(linkClass, 'cursor-not-allowed text-muted opacity-60')} aria-disabled="true">
            Next →
          </span>
        )}
      </div>
    </nav>
  );
}

export function Field({ label, hint, children, htmlFor }: { label: string; hint?: ReactNode; children: ReactNode; htmlFor: string }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={htmlFor} className="text-sm font-medium text-ink">
        {label}
      </label>
      {children}
      {hint && <p className="text-xs text-muted">{hint}</p>}
    </div>
  );
}

/** Inputs fill their column; `inlineInputClass` sizes to its content (selects in card headers). */
export const inputClass =
  'min-h-9 w-full rounded-[8px] border border-line bg-surface px-3 py-1.5 text-sm text-ink transition-colors duration-200 ease-out placeholder:text-[#8a8a8a] hover:border-[#cfcfcc] focus:border-accent focus:outline-none disabled:bg-[#f5f5f3]';

export function ArrowIcon({ direction, colour }: { direction: 'up' | 'down' | 'flat'; colour: string }) {
  if (direction === 'flat') {
    return (
      <svg aria-hidden="true" width="14" height="14" viewBox="0 0 14 14">
        <path d="M2 7h10" stroke={colour} strokeWidth="2" strokeLinecap="round" />
      </svg>
    );
  }
  return (
    <svg aria-hidden="true" width="14" height="14" viewBox="0 0 14 14" style={{ transform: direction === 'down' ? 'rotate(180deg)' : undefined }}>
      <path d="M7 2 L12 8 H8.5 V12 H5.5 V8 H2 Z" fill={colour} />
    </svg>
  );
}

/** Score change as an arrow and a signed number; colour follows the direction. */
export function Delta({ value, suffix = '', className }: { value: number | null; suffix?: string; className?: string }) {
  if (value === null) return <span className={cx('text-sm text-muted', className)}>no earlier score</span>;
  const dir = value > 0 ? 'up' : value < 0 ? 'down' : 'flat';
  const colour = dir === 'up' ? tokens.success : dir === 'down' ? tokens.critical : tokens.muted;
  const words = dir === 'up' ? 'up' : dir === 'down' ? 'down' : 'unchanged';
  return (
    <span className={cx('metric inline-flex items-center gap-1 text-sm font-medium', className)}>
      <ArrowIcon direction={dir} colour={colour} />
      <span>
        {value > 0 ? '+' : ''}
        {value}
        {suffix}
      </span>
      <span className="sr-only">{words}</span>
    </span>
  );
}

export function scoreColour(score: number | null | undefined): string {
  if (score === null || score === undefined) return tokens.muted;
  if (score >= 85) return tokens.success;
  if (score >= 60) return tokens.warning;
  return tokens.critical;
}

/** A thin coloured bar under a score, so the number carries the colour without coloured text. */
export function ScoreBar({ score }: { score: number }) {
  return (
    <div className="h-1.5 w-full overflow-hidden rounded-full bg-[#efefed]" aria-hidden="true">
      <div className="h-full rounded-full transition-[width] duration-200 ease-out" style={{ width: `${Math.max(2, score)}%`, background: scoreColour(score) }} />
    </div>
  );
}

export const inlineInputClass = inputClass.replace('w-full', 'w-auto');

/** Sets the tab's title while a page is shown ("Bugs · Lumen shop · FlowLens"). */
export function useDocumentTitle(...parts: Array<string | null | undefined>): void {
  const title = [...parts.filter(Boolean), 'FlowLens'].join(' · ');
  useEffect(() => {
    document.title = title;
  }, [title]);
}
