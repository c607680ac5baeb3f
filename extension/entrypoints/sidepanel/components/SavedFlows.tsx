/** The site's saved flows with their last replays: open, export as a Playwright test, walk through (issue 9). */
import { browser } from 'wxt/browser';
import { originOfUrl, usePanel } from '../store.ts';
import { iconButton } from './styles.ts';

const STATUS_STYLE: Record<string, string> = { passed: 'bg-emerald-100 text-emerald-800', failed: 'bg-red-100 text-red-800', errored: 'bg-amber-100 text-amber-800', needs_setup: 'bg-amber-100 text-amber-800' };

export function SavedFlows() {
  const { flows, siteId, openFlow, exportPlaywright, busy, recorder } = usePanel();
  if (!siteId) return null;
  return (
    <section className="flex flex-col gap-1 border-t border-slate-200 pt-2" aria-label="Saved flows">
      <h2 className="font-semibold">Saved flows</h2>
      {flows.length === 0 && <p className="text-slate-500">No saved flows for this site yet.</p>}
      <ul className="flex flex-col gap-1" data-testid="saved-flows">
        {flows.map((f) => (
          <li key={f.id} className="flex items-center gap-2 rounded-md border border-slate-200 bg-white p-2" data-testid="saved-flow">
            <div className="min-w-0 flex-1">
              <div className="truncate font-medium">
                {f.name} {f.critical && <span className="rounded bg-red-100 px-1 text-[10px] text-red-700">critical</span>}
              </div>
              <div className="flex flex-wrap gap-1 text-xs text-slate-500">
                <span>
                  {f.stepCount} steps · v{f.version}
                </span>
                {f.lastResults.length === 0 && <span data-testid="flow-status">not replayed yet</span>}
                {f.lastResults.map((r) => (
                  <span key={r.viewport} className={`rounded px-1 ${STATUS_STYLE[r.status] ?? ''}`} data-testid="flow-status" title={new Date(r.finishedAt).toLocaleString()}>
                    {r.viewport}: {r.status === 'needs_setup' ? 'needs setup (open the flow to store its secret)' : r.status}
                  </span>
                ))}
              </div>
            </div>
            <button className={iconButton} disabled={busy || recorder.recording} onClick={() => void openFlow(f.id)}>
              Open
            </button>
            <WalkThroughButton flowId={f.id} disabled={busy || recorder.recording} />
            <button className={iconButton} disabled={busy} onClick={() => void exportPlaywright(f.id)} title="Download as Playwright test" aria-label={`Download ${f.name} as a Playwright test`} data-testid="export-playwright">
              Playwright
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Starts the guided walkthrough of a saved flow in this tab (issue 9, docs/walkthrough.md). */
export function WalkThroughButton({ flowId, disabled }: { flowId: string; disabled: boolean }) {
  const { tab, setError } = usePanel();
  const origin = originOfUrl(tab?.url ?? '');
  const start = async () => {
    // Asked in the click itself (a user gesture), for this site's origin only.
    if (origin && !(await browser.permissions.request({ origins: [`${origin}/*`] }).catch(() => false))) {
      setError(`FlowLens needs access to ${origin} to guide you. Press Walk through again and choose "Allow".`);
      return;
    }
    const error = await usePanel.getState().startWalkthrough(flowId, tab?.id);
    if (error) setError(error);
  };
  return (
    <button className={iconButton} disabled={disabled} onClick={() => void start()} data-testid="walk-through">
      Walk through
    </button>
  );
}
