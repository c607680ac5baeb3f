/**
 * The FlowLens side panel (issue 4): sign in, pick the site, record, edit, save, list, export and
 * import. Everything a page or user wrote is rendered as React text, never as HTML.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { browser } from 'wxt/browser';
import { secretNames } from '../../lib/draft.ts';
import { secretNameFromText } from '../../lib/capture.ts';
import type { DraftStep } from '../../lib/state.ts';
import { sendMessage } from '../../lib/messaging.ts';
import type { Result } from '../../lib/protocol.ts';
import { originOfUrl, usePanel } from './store.ts';

const button = 'rounded-md px-3 py-1.5 text-sm font-medium disabled:opacity-50';
const primary = `${button} bg-indigo-600 text-white hover:bg-indigo-700`;
const secondary = `${button} border border-slate-300 bg-white text-slate-800 hover:bg-slate-100`;
const danger = `${button} bg-red-600 text-white hover:bg-red-700`;
const input = 'w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm';
const iconButton = 'rounded px-1.5 py-0.5 text-xs text-slate-600 hover:bg-slate-200 disabled:opacity-30';

export function App() {
  const { phase, init, refreshTab, recorder } = usePanel();
  useEffect(() => {
    void init();
    const onActivated = () => void usePanel.getState().refreshTab();
    const onUpdated = (_id: number, info: { url?: string; status?: string }) => {
      if (info.url || info.status === 'complete') void usePanel.getState().refreshTab();
    };
    const onPermissions = () => void usePanel.getState().checkHostAccess();
    browser.tabs.onActivated.addListener(onActivated);
    browser.tabs.onUpdated.addListener(onUpdated);
    browser.permissions.onAdded.addListener(onPermissions);
    browser.permissions.onRemoved.addListener(onPermissions);
    return () => {
      browser.tabs.onActivated.removeListener(onActivated);
      browser.tabs.onUpdated.removeListener(onUpdated);
      browser.permissions.onAdded.removeListener(onPermissions);
      browser.permissions.onRemoved.removeListener(onPermissions);
    };
  }, [init, refreshTab]);

  return (
    <div className="flex min-h-screen flex-col gap-3 p-3 text-sm">
      <Header />
      <Messages />
      {phase === 'loading' && <p className="text-slate-500">Loading…</p>}
      {phase === 'signedOut' && <SignIn />}
      {phase === 'ready' && (
        <>
          <SitePicker />
          <ShowBugs />
          {(recorder.draft || recorder.recording) && <Recorder />}
          {!recorder.draft && !recorder.recording && <StartHint />}
          <SavedFlows />
        </>
      )}
    </div>
  );
}

function Header() {
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

function Messages() {
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

function SignIn() {
  const { signIn, busy, backendUrl, setBackend } = usePanel();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [showBackend, setShowBackend] = useState(backendUrl === null);
  const [url, setUrl] = useState(backendUrl ?? '');
  const [key, setKey] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void signIn(email, password).then(() => setPassword(''));
  };
  return (
    <div className="flex flex-col gap-3">
      <form className="flex flex-col gap-2" onSubmit={submit} aria-label="Sign in">
        <p className="text-slate-600">Sign in with your FlowLens account to record flows on your site.</p>
        <label className="flex flex-col gap-1">
          Email
          <input className={input} type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} data-testid="signin-email" />
        </label>
        <label className="flex flex-col gap-1">
          Password
          <input className={input} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="signin-password" />
        </label>
        <button className={primary} type="submit" disabled={busy || backendUrl === null} data-testid="signin-submit">
          Sign in
        </button>
      </form>
      <button className="self-start text-xs text-slate-500 underline" onClick={() => setShowBackend(!showBackend)}>
        Backend{backendUrl ? `: ${backendUrl}` : ' (not set)'}
      </button>
      {showBackend && (
        <form
          className="flex flex-col gap-2 rounded-md border border-slate-200 p-2"
          onSubmit={(e) => {
            e.preventDefault();
            void setBackend(url, key).then((ok) => ok && setShowBackend(false));
          }}
        >
          <label className="flex flex-col gap-1">
            FlowLens address
            <input className={input} value={url} placeholder="https://your-project.supabase.co" onChange={(e) => setUrl(e.target.value)} />
          </label>
          <label className="flex flex-col gap-1">
            Public (anon) key
            <input className={input} value={key} onChange={(e) => setKey(e.target.value)} />
          </label>
          <button className={secondary} type="submit" disabled={busy}>
            Save backend
          </button>
        </form>
      )}
    </div>
  );
}

function SitePicker() {
  const { tab, sites, orgs, siteId, selectSite, addSite, busy, recorder } = usePanel();
  const [name, setName] = useState('');
  const adminOrgs = orgs.filter((o) => o.role === 'owner' || o.role === 'admin');
  const [orgId, setOrgId] = useState('');
  const origin = originOfUrl(tab?.url ?? '');
  if (!origin) {
    return <p className="rounded-md bg-slate-100 p-2 text-slate-700">Open your website in this tab to record a flow on it.</p>;
  }
  if (sites.length === 0) {
    return (
      <section className="flex flex-col gap-2 rounded-md border border-slate-200 bg-white p-2" aria-label="Add this site">
        <p>
          <strong>{origin}</strong> is not one of your sites yet.
        </p>
        {orgs.length > 0 && adminOrgs.length === 0 && <p className="text-slate-600">Ask an owner or admin of your organisation to add it.</p>}
        {(adminOrgs.length > 0 || orgs.length === 0) && (
          <>
            <label className="flex flex-col gap-1">
              Site name
              <input className={input} value={name} placeholder={new URL(origin).host} onChange={(e) => setName(e.target.value)} />
            </label>
            {adminOrgs.length > 1 && (
              <label className="flex flex-col gap-1">
                Organisation
                <select className={input} value={orgId || adminOrgs[0]!.id} onChange={(e) => setOrgId(e.target.value)}>
                  {adminOrgs.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <button className={primary} disabled={busy} data-testid="add-site" onClick={() => void addSite(orgId || adminOrgs[0]?.id || '', name)}>
              Add this site
            </button>
          </>
        )}
      </section>
    );
  }
  // The site's own name; the organisation only tells apart two sites of the same name (issue 19:
  // "Lumen Supply (demo shop) — Lumen Supply" read as a stutter).
  const optionText = (site: (typeof sites)[number]) => (sites.some((o) => o.id !== site.id && o.name === site.name) ? `${site.name} (${site.organizationName})` : site.name);
  return (
    <label className="flex flex-col gap-1">
      Site
      <select className={input} value={siteId ?? ''} disabled={recorder.recording} onChange={(e) => selectSite(e.target.value)} data-testid="site-select">
        {sites.map((s) => (
          <option key={s.id} value={s.id}>
            {optionText(s)}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * "Show bugs on this site" (issue 19): the overlay only runs on origins the user granted, and the
 * grant used to be asked for only by Record and Walk through, so a new user signing in saw no badge
 * and no word why. Asked in the click itself (a user gesture), for this origin only; the background
 * then shows the overlay in this tab at once.
 */
function ShowBugs() {
  const { tab, siteId, sites, hostAccess, setError, setInfo } = usePanel();
  const origin = originOfUrl(tab?.url ?? '');
  const site = sites.find((s) => s.id === siteId);
  if (!origin || !site || hostAccess !== false) return null;
  const onShow = () => {
    const tabId = tab?.id;
    browser.permissions
      .request({ origins: [`${origin}/*`] })
      .then(async (granted) => {
        if (!granted) {
          setError(`FlowLens was not given access to ${origin}, so it cannot show bugs there. Press "Show bugs on this site" again and choose "Allow".`);
          return;
        }
        await usePanel.getState().checkHostAccess();
        const r = await sendMessage('overlay.enable', { tabId }).catch(() => null);
        if (!r?.ok) setError('FlowLens could not turn on the bug overlay. Reload the page; if it stays off, reload the extension.');
        else setInfo(`Bugs on ${site.name} now show on its pages: a badge with the count where a page has open bugs, and pins on the elements.`);
      })
      .catch(() => setError(`FlowLens could not ask for access to ${origin}. Reload the page and try again.`));
  };
  return (
    <section className="flex flex-col gap-2 rounded-md border border-indigo-200 bg-indigo-50 p-2 text-indigo-950" aria-label="Bugs on this site" data-testid="show-bugs-offer">
      <p>
        FlowLens can show the bugs it found on <strong>{site.name}</strong> right on its pages: a badge with the count, and pins on the
        affected elements. For that it needs access to <strong>{origin}</strong> (this site only).
      </p>
      <button className={primary} onClick={onShow} data-testid="show-bugs">
        Show bugs on this site
      </button>
    </section>
  );
}

function StartHint() {
  return (
    <div className="flex flex-col gap-2">
      <RecordButton />
      <p className="text-slate-600">Press Record, then use your site as a customer would. Each step appears here as you go.</p>
      <ImportButton />
    </div>
  );
}

function RecordButton() {
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

function ImportButton() {
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

function Recorder() {
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

const ACTION_NAMES: Record<string, string> = {
  navigate: 'go to',
  click: 'click',
  input: 'type',
  select: 'select',
  check: 'check',
  submit: 'submit',
  keypress: 'key',
  scroll: 'scroll',
  waitFor: 'wait',
  assert: 'check',
};

function StepRow({ step: { uid, step }, index, count }: { step: DraftStep; index: number; count: number }) {
  const { edit, busy } = usePanel();
  const [label, setLabel] = useState(step.label);
  const [secretName, setSecretName] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [addingCheck, setAddingCheck] = useState(false);
  useEffect(() => setLabel(step.label), [step.label]);
  const secret = step.action === 'input' ? (/^\{\{secret:([A-Z0-9_]+)\}\}$/.exec(step.value)?.[1] ?? null) : null;
  const isSecret = secret !== null;
  return (
    <li className="flex flex-col gap-1 rounded-md border border-slate-200 bg-white p-2" data-testid="step" data-action={step.action}>
      <div className="flex items-center gap-2">
        <span className="w-5 text-right text-xs text-slate-400">{index + 1}</span>
        <span className="rounded bg-slate-100 px-1.5 text-[10px] uppercase tracking-wide text-slate-600">{ACTION_NAMES[step.action] ?? step.action}</span>
        <input
          className="min-w-0 flex-1 rounded border border-transparent px-1 py-0.5 hover:border-slate-200 focus:border-slate-300"
          value={label}
          aria-label={`Label of step ${index + 1}`}
          data-testid="step-label"
          onChange={(e) => setLabel(e.target.value)}
          onBlur={() => label !== step.label && void edit({ op: 'label', uid, label })}
          onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
        />
        {step.labelSource === 'ai' && <span title="Label written by AI" className="text-[10px] text-violet-600">AI</span>}
        {step.screenshot && <span title="Screenshot stored" className="text-[10px] text-slate-400">📷</span>}
        {secret && (
          <span className="rounded bg-amber-100 px-1 font-mono text-[11px] text-amber-900" data-testid="secret-name" title={`Replays type the stored value of ${secret} here`}>
            {`{{secret:${secret}}}`}
          </span>
        )}
      </div>
      <div className="flex items-center gap-1 pl-7">
        <button className={iconButton} aria-label="Move up" disabled={busy || index === 0} onClick={() => void edit({ op: 'move', uid, to: index - 1 })}>
          ↑
        </button>
        <button className={iconButton} aria-label="Move down" disabled={busy || index === count - 1} onClick={() => void edit({ op: 'move', uid, to: index + 1 })}>
          ↓
        </button>
        {secret && renaming === null && (
          <button className={iconButton} data-testid="rename-secret" onClick={() => setRenaming(secret)}>
            Rename secret
          </button>
        )}
        {secret && renaming !== null && (
          <form
            className="flex items-center gap-1"
            onSubmit={(e) => {
              e.preventDefault();
              void edit({ op: 'renameSecret', from: secret, to: renaming }).then((ok) => ok && setRenaming(null));
            }}
          >
            <input className="w-32 rounded border border-slate-300 px-1 font-mono text-xs" value={renaming} aria-label="Secret name" data-testid="secret-rename-input" onChange={(e) => setRenaming(e.target.value.toUpperCase())} />
            <button className={iconButton} type="submit" data-testid="secret-rename-ok">
              OK
            </button>
            <button className={iconButton} type="button" onClick={() => setRenaming(null)}>
              Cancel
            </button>
          </form>
        )}
        <button className={iconButton} data-testid="add-check-after" aria-expanded={addingCheck} onClick={() => setAddingCheck(!addingCheck)}>
          + Check
        </button>
        {step.action === 'input' && !isSecret && secretName === null && (
          <button className={iconButton} data-testid="mark-secret" onClick={() => setSecretName(secretNameFromText(step.element?.labelText || step.element?.name || 'SECRET'))}>
            Mark secret
          </button>
        )}
        {secretName !== null && (
          <form
            className="flex items-center gap-1"
            onSubmit={(e) => {
              e.preventDefault();
              void edit({ op: 'secret', uid, name: secretName }).then((ok) => ok && setSecretName(null));
            }}
          >
            <input className="w-32 rounded border border-slate-300 px-1 text-xs" value={secretName} aria-label="Secret name" onChange={(e) => setSecretName(e.target.value.toUpperCase())} />
            <button className={iconButton} type="submit">
              OK
            </button>
            <button className={iconButton} type="button" onClick={() => setSecretName(null)}>
              Cancel
            </button>
          </form>
        )}
        <button className={`${iconButton} ml-auto text-red-600`} aria-label={`Delete step ${index + 1}`} data-testid="delete-step" disabled={busy} onClick={() => void edit({ op: 'delete', uid })}>
          Delete
        </button>
      </div>
      {addingCheck && (
        <div className="pl-7">
          <AddAssertion after={uid} onDone={() => setAddingCheck(false)} label={`Add a check after step ${index + 1}`} />
        </div>
      )}
    </li>
  );
}

/** A page-wide check: at the end of the flow, or right after one step (`after`). */
function AddAssertion({ after, onDone, label = 'Add a check' }: { after?: string; onDone?: () => void; label?: string }) {
  const { edit, busy } = usePanel();
  const [kind, setKind] = useState<'textVisible' | 'urlContains'>('textVisible');
  const [text, setText] = useState('');
  return (
    <form
      className="flex items-center gap-1"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        void edit({ op: 'assert', assertion: { kind, text }, ...(after ? { after } : {}) }).then((ok) => {
          if (!ok) return;
          setText('');
          onDone?.();
        });
      }}
    >
      <select className="rounded-md border border-slate-300 bg-white px-1 py-1.5 text-xs" value={kind} aria-label="Kind of check" onChange={(e) => setKind(e.target.value as typeof kind)} data-testid="assert-kind">
        <option value="textVisible">Text is visible</option>
        <option value="urlContains">URL contains</option>
      </select>
      <input className={input} value={text} aria-label={kind === 'urlContains' ? 'Part of the URL' : 'Text that should be visible'} placeholder={kind === 'urlContains' ? '/thanks' : 'Thank you for your order'} onChange={(e) => setText(e.target.value)} data-testid="assert-text" />
      <button className={secondary} type="submit" disabled={busy} data-testid="assert-add">
        Add check
      </button>
    </form>
  );
}

/**
 * While recording: a check on an element, picked on the page (issue 19). The next click in the page
 * picks the element instead of doing anything there; the check lands right after the last step.
 */
function PickCheck() {
  const { recorder, pick } = usePanel();
  if (recorder.pick) {
    return (
      <div className="flex items-center gap-2 rounded-md border border-indigo-200 bg-indigo-50 p-2 text-indigo-950" data-testid="picking" role="status">
        <span className="flex-1">Click the element to check on the page ({recorder.pick === 'elementVisible' ? 'it must be visible' : 'it must show its text'}). Esc cancels.</span>
        <button className={secondary} onClick={() => void pick(null)}>
          Cancel
        </button>
      </div>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-1" aria-label="Check an element on the page" role="group">
      <span className="text-xs text-slate-600">Check an element:</span>
      <button className={secondary} onClick={() => void pick('elementVisible')} data-testid="pick-visible">
        Is visible…
      </button>
      <button className={secondary} onClick={() => void pick('elementText')} data-testid="pick-text">
        Shows its text…
      </button>
    </div>
  );
}

const STATUS_STYLE: Record<string, string> = { passed: 'bg-emerald-100 text-emerald-800', failed: 'bg-red-100 text-red-800', errored: 'bg-amber-100 text-amber-800' };

function SavedFlows() {
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
                    {r.viewport}: {r.status}
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
function WalkThroughButton({ flowId, disabled }: { flowId: string; disabled: boolean }) {
  const { tab, setError } = usePanel();
  const origin = originOfUrl(tab?.url ?? '');
  const start = async () => {
    // Asked in the click itself (a user gesture), for this site's origin only.
    if (origin && !(await browser.permissions.request({ origins: [`${origin}/*`] }).catch(() => false))) {
      setError(`FlowLens needs access to ${origin} to guide you. Press Walk through again and choose "Allow".`);
      return;
    }
    const r = await sendMessage('walkthrough.start', { flowId, ...(tab ? { tabId: tab.id } : {}) }).catch((): Result<unknown> => ({ ok: false, error: 'FlowLens could not start the walkthrough. Reload the page and try again.' }));
    if (!r.ok) setError(r.error);
  };
  return (
    <button className={iconButton} disabled={disabled} onClick={() => void start()} data-testid="walk-through">
      Walk through
    </button>
  );
}

/** Asks once for each secret value a saved flow needs and the site does not have yet (issue 4). */
function StoreSecrets({ names }: { names: string[] }) {
  const { storedSecrets, loadStoredSecrets, recorder, siteId } = usePanel();
  const site = recorder.siteId ?? siteId;
  useEffect(() => {
    if (site && storedSecrets?.siteId !== site) void loadStoredSecrets();
  }, [site, storedSecrets?.siteId, loadStoredSecrets]);
  if (!site || storedSecrets?.siteId !== site) return null;
  const missing = names.filter((n) => !storedSecrets.names.includes(n));
  if (missing.length === 0) return <p className="mt-1" data-testid="secrets-stored">All values are stored for replays.</p>;
  return (
    <div className="mt-2 flex flex-col gap-2" data-testid="secrets-store">
      <p>
        Each value is stored encrypted with the site's credentials and only the crawler decrypts it, to replay: it is never shown again, not
        to you, other members of your organisation or FlowLens staff.
      </p>
      {missing.map((n) => (
        <StoreSecretRow key={n} name={n} />
      ))}
    </div>
  );
}

function StoreSecretRow({ name }: { name: string }) {
  const { storeSecret, busy } = usePanel();
  // The typed value lives only in this input's state (never in storage) until it is stored; kept after a failure to retry.
  const [value, setValue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void storeSecret(name, value).then((ok) => ok && setValue(''));
  };
  return (
    <form className="flex items-center gap-2" onSubmit={submit} aria-label={`Store ${name}`}>
      <label className="flex flex-1 flex-col gap-1">
        <span className="font-mono text-xs">{name}</span>
        <input
          className={input}
          type="password"
          autoComplete="off"
          value={value}
          data-testid={`secret-value-${name}`}
          onChange={(e) => setValue(e.target.value)}
        />
      </label>
      <button type="submit" className={secondary} disabled={busy || value.length === 0} data-testid={`secret-store-${name}`}>
        Store for replay
      </button>
    </form>
  );
}
