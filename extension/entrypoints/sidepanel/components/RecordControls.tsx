/** Starting a flow: Record (asks for the site's origin in the click) or import a Chrome DevTools recording. */
import { browser } from 'wxt/browser';
import { originOfUrl, usePanel } from '../store.ts';
import { primary, secondary, danger } from './styles.ts';

export function StartHint() {
  return (
    <div className="flex flex-col gap-2">
      <RecordButton />
      <p className="text-slate-600">Press Record, then use your site as a customer would. Each step appears here as you go.</p>
      <ImportButton />
    </div>
  );
}

export function RecordButton() {
  const { tab, siteId, recorder, record, stop, busy, setError } = usePanel();
  const origin = originOfUrl(tab?.url ?? '');
  if (recorder.recording) {
    return (
      <button className={danger} onClick={() => void stop()} disabled={busy} data-testid="stop">
        ■ Stop recording
      </button>
    );
  }
  const onRecord = () => {
    if (!origin) return;
    // Asked in the click itself (a user gesture), for this site's origin only.
    browser.permissions
      .request({ origins: [`${origin}/*`] })
      .then((granted) => (granted ? record() : setError(`FlowLens needs access to ${origin} to record. Press Record again and choose "Allow".`)))
      .catch(() => setError(`FlowLens could not ask for access to ${origin}. Reload the page and try again.`));
  };
  return (
    <button className={primary} onClick={onRecord} disabled={busy || !siteId || !origin} data-testid="record">
      ● {recorder.draft && recorder.draft.steps.length > 0 ? 'Record more steps' : 'Record'}
    </button>
  );
}

export function ImportButton() {
  const { importFile, busy, siteId } = usePanel();
  return (
    <label className={`${secondary} cursor-pointer text-center ${!siteId ? 'pointer-events-none opacity-50' : ''}`}>
      Import Chrome Recorder file…
      <input
        type="file"
        accept="application/json,.json"
        className="hidden"
        disabled={busy || !siteId}
        data-testid="import-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) void importFile(file);
          e.target.value = '';
        }}
      />
    </label>
  );
}
