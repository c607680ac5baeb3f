/**
 * Settings → Credentials (issue 13): the secret values flows type (`{{secret:NAME}}`), by name only,
 * and the flows the crawler could not run because one is missing ("needs setup"). Owners and admins
 * store a value (sent once to the `credentials` function, encrypted there, never shown again) or
 * remove one; members see the names. The email about a flow that needs setup links here
 * (#credentials).
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { CREDENTIAL_NAME, fetchCredentialNames, fetchFlowsNeedingSetup, removeCredential, storeCredential } from '../../data/credentials.ts';
import { errorMessage } from '../../lib/errors.ts';
import { relativeTime } from '../../lib/format.ts';
import { useDb } from '../../lib/supabase.tsx';
import { useResource, useResourceStore } from '../../stores/resources.ts';
import { toast } from '../../stores/toasts.ts';
import { Button, Card, ErrorCard, Field, inputClass, SkeletonCard } from '../../components/ui.tsx';

export function Credentials({ siteId, canManage }: { siteId: string; canManage: boolean }) {
  const db = useDb();
  const key = `credentials:${siteId}`;
  const data = useResource(key, async () => {
    const [names, needing] = await Promise.all([fetchCredentialNames(db, siteId), fetchFlowsNeedingSetup(db, siteId)]);
    return { names, needing };
  });
  const reload = () => useResourceStore.getState().invalidate(key);
  const card = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (data.data && window.location.hash === '#credentials') card.current?.scrollIntoView({ block: 'start' });
  }, [data.data]);

  if (data.status === 'error' && !data.data) return <ErrorCard message={data.error ?? ''} onRetry={data.reload} />;
  if (!data.data) return <SkeletonCard lines={3} label="Loading credentials" />;
  const { names, needing } = data.data;
  // Missing = asked for by a flow that needs setup and still not stored (stored since: the next crawl runs it).
  const missing = [...new Set(needing.flatMap((f) => f.missingSecrets))].filter((n) => !names.includes(n));

  return (
    <div id="credentials" ref={card} className="scroll-mt-4">
      <Card title="Credentials" labelledBy="credentials-title">
        <p className="mb-3 text-sm text-muted">
          Values your flows type, such as a test account's password (<span className="metric">{'{{secret:PASSWORD}}'}</span>). Each is stored encrypted and only the crawler decrypts it to replay: nobody can read it back, not you, other members or FlowLens staff.
        </p>
        {needing.length > 0 && (
          <div role="status" className="mb-4 rounded-md border border-[#f5d88a] bg-[#fef8e7] p-3 text-sm text-[#854d0e]" data-testid="needs-setup">
            <p className="font-medium">{needing.length === 1 ? 'A flow needs setup' : `${needing.length} flows need setup`}</p>
            <ul className="mt-1 list-disc pl-5">
              {needing.map((f) => {
                const still = f.missingSecrets.filter((n) => !names.includes(n));
                return (
                  <li key={f.flowId}>
                    <Link className="link" to={`/sites/${siteId}/flows/${f.flowId}`}>
                      {f.flowName}
                    </Link>{' '}
                    {still.length > 0
                      ? `was not run since ${relativeTime(f.since)}: it types ${still.join(', ')}, which ${still.length === 1 ? 'is' : 'are'} not stored.`
                      : 'has what it needs now: the next crawl runs it again.'}
                  </li>
                );
              })}
            </ul>
            <p className="mt-1">This is missing configuration, not a bug of your site: these flows are left out of the health score until they run.</p>
          </div>
        )}
        {names.length === 0 ? (
          <p className="text-sm text-muted">No credentials are stored for this site.</p>
        ) : (
          <ul className="divide-y divide-line text-sm" aria-label="Stored credentials">
            {names.map((n) => (
              <StoredRow key={n} siteId={siteId} name={n} canManage={canManage} onChange={reload} />
            ))}
          </ul>
        )}
        {canManage ? (
          <div className="mt-4 space-y-3">
            {missing.map((n) => (
              <StoreForm key={n} siteId={siteId} fixedName={n} onStored={reload} />
            ))}
            <StoreForm siteId={siteId} onStored={reload} />
          </div>
        ) : (
          missing.length > 0 && <p className="mt-3 text-sm text-muted">Ask an owner or admin of the organisation to store {missing.join(', ')}.</p>
        )}
      </Card>
    </div>
  );
}

function StoredRow({ siteId, name, canManage, onChange }: { siteId: string; name: string; canManage: boolean; onChange: () => void }) {
  const db = useDb();
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    if (!window.confirm(`Remove ${name}? Flows that type it will need setup until it is stored again.`)) return;
    setBusy(true);
    try {
      await removeCredential(db, siteId, name);
      toast.success(`Removed ${name}.`);
      onChange();
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="flex items-center justify-between py-2">
      <span className="metric">{name}</span>
      <span className="text-xs text-muted">
        stored
        {canManage && (
          <button type="button" className="ml-3 text-xs text-muted hover:text-[#991b1b]" aria-label={`Remove ${name}`} disabled={busy} onClick={() => void remove()}>
            Remove
          </button>
        )}
      </span>
    </li>
  );
}

/** One value to store: for a name a flow is waiting for, or any name (the last form). */
function StoreForm({ siteId, fixedName, onStored }: { siteId: string; fixedName?: string; onStored: () => void }) {
  const db = useDb();
  const [name, setName] = useState(fixedName ?? '');
  // The typed value lives only in this input's state until it is sent; kept after a failure to retry.
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const id = fixedName ? `cred-${fixedName}` : 'cred-new';
  const validName = CREDENTIAL_NAME.test(name);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await storeCredential(db, siteId, name, value);
      setValue('');
      if (!fixedName) setName('');
      toast.success(`Stored ${name}. The next crawl uses it.`);
      onStored();
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="flex flex-col gap-2 sm:flex-row sm:items-end" onSubmit={(e) => void submit(e)} aria-label={fixedName ? `Store ${fixedName}` : 'Store a credential'}>
      {!fixedName && (
        <div className="sm:w-48">
          <Field label="Name" htmlFor={`${id}-name`}>
            <input id={`${id}-name`} className={inputClass} value={name} onChange={(e) => setName(e.target.value.toUpperCase())} placeholder="PASSWORD" autoComplete="off" spellCheck={false} />
          </Field>
        </div>
      )}
      <div className="flex-1">
        <Field label={fixedName ? `Value of ${fixedName}` : 'Value'} htmlFor={`${id}-value`}>
          <input id={`${id}-value`} type="password" className={inputClass} value={value} onChange={(e) => setValue(e.target.value)} autoComplete="off" />
        </Field>
      </div>
      <Button type="submit" disabled={!validName || value.length === 0} busy={busy}>
        Store
      </Button>
    </form>
  );
}
