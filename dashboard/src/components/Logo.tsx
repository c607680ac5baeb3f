import { tokens } from '../theme.ts';

export function Logo({ withText = true }: { withText?: boolean }) {
  return (
    <span className="inline-flex items-center gap-2 font-semibold tracking-tight text-ink">
      <svg aria-hidden="true" width="22" height="22" viewBox="0 0 24 24">
        <circle cx="10.5" cy="10.5" r="7" fill="none" stroke={tokens.accent} strokeWidth="2.5" />
        <path d="M15.5 15.5 21 21" stroke={tokens.ink} strokeWidth="2.5" strokeLinecap="round" />
        <path d="M6.5 11.5 9 9l2 2.5 3-4" fill="none" stroke={tokens.accent} strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      {withText && <span>FlowLens</span>}
    </span>
  );
}
