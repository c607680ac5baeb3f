/** The panel's title bar: who is signed in, and Sign out. */
import { usePanel } from '../store.ts';
import { iconButton } from './styles.ts';

export function Header() {
  const { email, phase, signOut, busy } = usePanel();
  return (
    <header className="flex items-center justify-between border-b border-slate-200 pb-2">
      <h1 className="text-base font-semibold">FlowLens</h1>
      {phase === 'ready' && (
        <div className="flex items-center gap-2 text-xs text-slate-600">
          <span data-testid="signed-in-as">{email}</span>
          <button className={iconButton} onClick={() => void signOut()} disabled={busy}>
            Sign out
          </button>
        </div>
      )}
    </header>
  );
}
