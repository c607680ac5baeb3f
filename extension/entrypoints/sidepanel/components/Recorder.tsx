/** The flow being recorded or edited: name, critical, steps, checks, save and export. */
import { useEffect, useState } from 'react';
import { secretNames } from '../../../lib/draft.ts';
import { usePanel } from '../store.ts';
import { primary, secondary, input } from './styles.ts';
import { AddAssertion, PickCheck } from './Checks.tsx';
import { RecordButton, ImportButton } from './RecordControls.tsx';
import { StepRow } from './StepRow.tsx';
import { StoreSecrets } from './StoreSecrets.tsx';

export function Recorder() {
  const { recorder, edit, save, discard, exportFlow, busy } = usePanel();
  const draft = recorder.draft;
  const [name, setName] = useState(draft?.name ?? '');
  useEffect(() => setName(draft?.name ?? ''), [draft?.name]);
  if (!draft) return <RecordButton />;
  const secrets = secretNames(draft.steps);
  return (
    <section className="flex flex-col gap-2" aria-label="Flow">
      <div className="flex items-center gap-2">
        <RecordButton />
        {recorder.recording && <span className="animate-pulse text-xs font-medium text-red-600">Recording…</span>}
      </div>
      <label className="flex flex-col gap-1">
        Flow name
        <input
          className={input}
          value={name}
          data-testid="flow-name"
          onChange={(e) => setName(e.target.value)}
          onBlur={() => name !== draft.name && void edit({ op: 'rename', name })}
          onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
        />
      </label>
      <label className="flex items-center gap-2">
        <input type="checkbox" checked={draft.critical} data-testid="flow-critical" onChange={(e) => void edit({ op: 'critical', critical: e.target.checked })} />
        Critical flow (a failure is a P0 alert)
      </label>
      <ol className="flex flex-col gap-1" data-testid="steps">
        {draft.steps.map((s, i) => (
          <StepRow key={s.uid} step={s} index={i} count={draft.steps.length} />
        ))}
      </ol>
      {draft.steps.length === 0 && <p className="text-slate-500">No steps yet: click, type and navigate on your site.</p>}
      {recorder.recording ? <PickCheck /> : <AddAssertion />}
      {secrets.length > 0 && (
        <div className="rounded-md border border-amber-200 bg-amber-50 p-2 text-amber-900" data-testid="secrets-note">
          Secret values are not recorded: {secrets.map((n) => `{{secret:${n}}}`).join(', ')}. {draft.id ? 'Store each value once below so scheduled replays can sign in' : 'Save the flow, then store each value once so scheduled replays can sign in'} (locally,
          flowlens check reads {secrets.map((n) => `FLOWLENS_SECRET_${n}`).join(', ')}).
          {draft.id && <StoreSecrets names={secrets} />}
        </div>
      )}
      <div className="flex flex-wrap gap-2">
        <button className={primary} onClick={() => void save()} disabled={busy || recorder.recording || draft.steps.length === 0} data-testid="save">
          {draft.id ? 'Save new version' : 'Save flow'}
        </button>
        <button className={secondary} onClick={() => void exportFlow('flowlens')} disabled={busy || draft.steps.length === 0} data-testid="export-flowlens">
          Export FlowLens JSON
        </button>
        <button className={secondary} onClick={() => void exportFlow('chrome')} disabled={busy || draft.steps.length === 0} data-testid="export-chrome">
          Export Chrome Recorder JSON
        </button>
        <button
          className={secondary}
          disabled={busy || recorder.recording}
          data-testid="new-flow"
          onClick={() => {
            if (!recorder.dirty || confirm('Discard the unsaved steps of this flow?')) void discard();
          }}
        >
          New flow
        </button>
        {!recorder.recording && <ImportButton />}
      </div>
      {recorder.dirty && !recorder.recording && <p className="text-xs text-slate-500">Unsaved changes.</p>}
    </section>
  );
}
