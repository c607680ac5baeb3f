/**
 * Sign in, sign up, and invitation acceptance (/invite/:token). `?next=` carries the deep link a
 * signed-out visitor came for (an email's "open in FlowLens"), so they land there after signing in.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, Navigate, useNavigate, useParams, useSearchParams } from 'react-router';
import { acceptInvitation } from '../../data/mutations.ts';
import { errorMessage } from '../../lib/errors.ts';
import { useDb } from '../../lib/supabase.tsx';
import { useResourceStore } from '../../stores/resources.ts';
import { useSessionStore } from '../../stores/session.ts';
import { Button, Field, inputClass, SkeletonCard, useDocumentTitle } from '../../components/ui.tsx';
import { Logo } from '../../components/Logo.tsx';

/** Only same-app paths may be a redirect target (no open redirect through ?next=). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}

function AuthFrame({ title, subtitle, children, footer }: { title: string; subtitle?: ReactNode; children: ReactNode; footer?: ReactNode }) {
  useDocumentTitle(title);
  return (
    <div className="flex min-h-screen flex-col items-center justify-center px-4 py-10">
      <main id="main" className="w-full max-w-sm">
        <div className="mb-8 flex justify-center">
          <Logo />
        </div>
        <div className="card p-6 sm:p-8 fade-in">
          <h1 className="text-xl font-semibold tracking-tight">{title}</h1>
          {subtitle && <div className="mt-1 text-sm text-muted">{subtitle}</div>}
          <div className="mt-6">{children}</div>
        </div>
        {footer && <div className="mt-4 text-center text-sm text-muted">{footer}</div>}
      </main>
    </div>
  );
}

function FormError({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p role="alert" className="rounded-[8px] border border-[#f1c4c4] bg-[#fdf2f2] px-3 py-2 text-sm text-[#991b1b]">
      {message}
    </p>
  );
}

export function SignInPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const status = useSessionStore((s) => s.status);
  const signIn = useSessionStore((s) => s.signIn);
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (status === 'signedIn') return <Navigate to={next} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const res = await signIn(email, password);
    setBusy(false);
    if (res.error) setError(res.error);
    else navigate(next, { replace: true });
  }

  return (
    <AuthFrame
      title="Sign in"
      subtitle="See how your site did last night."
      footer={
        <>
          New to FlowLens?{' '}
          <Link className="link" to={`/signup${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`}>
            Create an account
          </Link>
        </>
      }
    >
      <form className="space-y-4" onSubmit={submit} noValidate>
        <Field label="Email" htmlFor="signin-email">
          <input id="signin-email" className={inputClass} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Password" htmlFor="signin-password">
          <input id="signin-password" className={inputClass} type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <FormError message={error} />
        <Button type="submit" variant="primary" className="w-full" busy={busy} disabled={!email || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </Button>
      </form>
    </AuthFrame>
  );
}

export function SignUpPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const status = useSessionStore((s) => s.status);
  const signUp = useSessionStore((s) => s.signUp);
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [email, setEmail] = useState(params.get('email') ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);

  if (status === 'signedIn') return <Navigate to={next} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (password.length < 8) {
      setError('Use at least 8 characters for your password.');
      return;
    }
    setBusy(true);
    setError(null);
    const res = await signUp({ email, password, name });
    setBusy(false);
    if (res.error) setError(res.error);
    else if (res.needsConfirmation) setConfirm(true);
    else navigate(next, { replace: true });
  }

  if (confirm) {
    return (
      <AuthFrame title="Check your inbox" subtitle={`We sent a confirmation link to ${email}. Open it, then sign in.`}>
        <Link className="link" to="/signin">
          Back to sign in
        </Link>
      </AuthFrame>
    );
  }

  return (
    <AuthFrame
      title="Create your account"
      subtitle="Record the flows that matter; FlowLens replays them every night."
      footer={
        <>
          Already have an account?{' '}
          <Link className="link" to={`/signin${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`}>
            Sign in
          </Link>
        </>
      }
    >
      <form className="space-y-4" onSubmit={submit} noValidate>
        <Field label="Your name" htmlFor="signup-name">
          <input id="signup-name" className={inputClass} autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Work email" htmlFor="signup-email">
          <input id="signup-email" className={inputClass} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Password" htmlFor="signup-password" hint="At least 8 characters.">
          <input id="signup-password" className={inputClass} type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <FormError message={error} />
        <Button type="submit" variant="primary" className="w-full" busy={busy} disabled={!email || !password}>
          {busy ? 'Creating account…' : 'Create account'}
        </Button>
      </form>
    </AuthFrame>
  );
}

export function AcceptInvitePage() {
  const { token = '' } = useParams();
  const db = useDb();
  const status = useSessionStore((s) => s.status);
  const user = useSessionStore((s) => s.user);
  const signOut = useSessionStore((s) => s.signOut);
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const here = `/invite/${encodeURIComponent(token)}`;

  if (status === 'loading') {
    return (
      <AuthFrame title="Invitation">
        <SkeletonCard lines={2} />
      </AuthFrame>
    );
  }

  if (status === 'signedOut') {
    return (
      <AuthFrame title="You have been invited to FlowLens" subtitle="Sign in or create an account with the address the invitation was sent to, and you will join the organisation.">
        <div className="flex flex-col gap-2">
          <Link className="inline-flex min-h-9 items-center justify-center rounded-[8px] bg-accent px-3.5 text-sm font-medium text-white" to={`/signup?next=${encodeURIComponent(here)}`}>
            Create an account
          </Link>
          <Link className="inline-flex min-h-9 items-center justify-center rounded-[8px] border border-line px-3.5 text-sm font-medium" to={`/signin?next=${encodeURIComponent(here)}`}>
            I already have an account
          </Link>
        </div>
      </AuthFrame>
    );
  }

  async function accept() {
    setBusy(true);
    setError(null);
    try {
      await acceptInvitation(db, token);
      useResourceStore.getState().invalidate('overview');
      navigate('/', { replace: true });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthFrame title="Join the organisation" subtitle={<>You are signed in as {user?.email}.</>}>
      <div className="space-y-4">
        <FormError message={error} />
        <Button variant="primary" className="w-full" onClick={accept} busy={busy}>
          {busy ? 'Joining…' : 'Accept invitation'}
        </Button>
        <Button variant="ghost" className="w-full" onClick={() => void signOut()}>
          Use a different account
        </Button>
      </div>
    </AuthFrame>
  );
}
