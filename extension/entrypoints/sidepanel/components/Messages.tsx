/** The panel's error line (a sentence, lib/errors.ts), its info line and the recorder's notice. */
import { usePanel } from '../store.ts';
import { iconButton } from './styles.ts';

export function Messages() {
  const { error, info, recorder, edit, setError } = usePanel();
  return (
    <>
      {error && (
        <div role="alert" data-testid="panel-error" className="flex items-start justify-between gap-2 rounded-md border border-red-200 bg-red-50 p-2 text-red-800">
          <span>{error}</span>
          <button className={iconButton} aria-label="Dismiss" onClick={() => setError(null)}>
            ✕
          </button>
        </div>
      )}
      {!error && info && <div className="rounded-md border border-sky-200 bg-sky-50 p-2 text-sky-900" data-testid="panel-info">{info}</div>}
      {recorder.notice && (
        <div className="flex items-start justify-between gap-2 rounded-md border border-emerald-200 bg-emerald-50 p-2 text-emerald-900" data-testid="panel-notice">
          <span>{recorder.notice}</span>
          <button className={iconButton} aria-label="Dismiss" onClick={() => void edit({ op: 'dismissNotice' })}>
            ✕
          </button>
        </div>
      )}
    </>
  );
}
