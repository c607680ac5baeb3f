/**
 * The FlowLens side panel (issue 4): sign in, pick the site, record, edit, save, list, export and
 * import. Everything a page or user wrote is rendered as React text, never as HTML.
 *
 * This file only lays the panel out; each part is a component of its own in ./components/, and
 * the panel's state and every request to the background are in ./store.ts.
 */
import { useEffect } from 'react';
import { browser } from 'wxt/browser';
import { usePanel } from './store.ts';
import { Header } from './components/Header.tsx';
import { Messages } from './components/Messages.tsx';
import { SignIn } from './components/SignIn.tsx';
import { SitePicker } from './components/SitePicker.tsx';
import { ShowBugs } from './components/ShowBugs.tsx';
import { StartHint } from './components/RecordControls.tsx';
import { Recorder } from './components/Recorder.tsx';
import { SavedFlows } from './components/SavedFlows.tsx';

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
