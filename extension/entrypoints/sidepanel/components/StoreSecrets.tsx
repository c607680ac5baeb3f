/** Storing a value once for each secret a saved flow types (issue 4): sent to the background, kept nowhere here. */
import { useEffect, useState, type FormEvent } from 'react';
import { usePanel } from '../store.ts';
import { secondary, input } from './styles.ts';

/** Asks once for each secret value a saved flow needs and the site does not have yet (issue 4). */
export function StoreSecrets({ names }: { names: string[] }) {
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

export function StoreSecretRow({ name }: { name: string }) {
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
