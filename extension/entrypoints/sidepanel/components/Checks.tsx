/** Adding a check to the flow: text or address checks typed here, element checks picked on the page (issue 19). */
import { useState } from 'react';
import { usePanel } from '../store.ts';
import { secondary, input } from './styles.ts';

/** A page-wide check: at the end of the flow, or right after one step (`after`). */
export function AddAssertion({ after, onDone, label = 'Add a check' }: { after?: string; onDone?: () => void; label?: string }) {
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
export function PickCheck() {
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
