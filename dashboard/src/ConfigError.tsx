/** Shown instead of the app when the Vite env is incomplete: every problem, and how to fix it. */
import { Logo } from './components/Logo.tsx';

export function ConfigError({ problems }: { problems: string[] }) {
  return (
    <main className="mx-auto max-w-xl px-4 py-16">
      <Logo />
      <div className="card mt-6 border-l-4 p-6" style={{ borderLeftColor: '#DC2626' }} role="alert">
        <h1 className="text-xl font-semibold">The dashboard is not configured</h1>
        <p className="mt-2 text-sm text-muted">It needs to know which Supabase project to talk to. Fix {problems.length === 1 ? 'this' : 'these'} and rebuild (or restart the dev server):</p>
        <ul className="mt-4 list-disc space-y-2 pl-5 text-sm">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
        <p className="mt-4 text-sm text-muted">For local development, create dashboard/.env.local with:</p>
        <pre className="metric mt-2 overflow-auto rounded-[8px] bg-[#f4f4f2] p-3 text-xs">
          {'VITE_SUPABASE_URL=http://127.0.0.1:54321\nVITE_SUPABASE_ANON_KEY=<anon key from `npm run stack status`>'}
        </pre>
      </div>
    </main>
  );
}
