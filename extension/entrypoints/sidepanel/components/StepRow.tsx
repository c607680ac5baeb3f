/** One recorded step: its label (editable), what it does, move, delete, mark a typed value secret. */
import { useEffect, useState } from 'react';
import { secretNameFromText } from '../../../lib/capture.ts';
import type { DraftStep } from '../../../lib/state.ts';
import { usePanel } from '../store.ts';
import { iconButton } from './styles.ts';
import { AddAssertion } from './Checks.tsx';

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

export function StepRow({ step: { uid, step }, index, count }: { step: DraftStep; index: number; count: number }) {
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
