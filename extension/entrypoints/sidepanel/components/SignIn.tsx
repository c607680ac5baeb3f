/** Sign-in form, with the backend address and key folded away below it. */
import { useState, type FormEvent } from 'react';
import { usePanel } from '../store.ts';
import { primary, secondary, input } from './styles.ts';

export function SignIn() {
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
