/**
 * "Run now": asks for a manual crawl of the site (rpc request_crawl). A request while a manual
 * run is still queued answers with that run; one while it runs, within two minutes of the last, or
 * above the site's hourly limit (docs/limits.md) is refused with HTTP 429 and a sentence saying
 * when to ask again. A refusal is shown as what it is, with the server's own sentence, not as an
 * error.
 */
import { useState } from 'react';
import { Link } from 'react-router';
import { requestCrawl, type CrawlRequest } from '../data/mutations.ts';
import { useDb } from '../lib/supabase.tsx';
import { useResourceStore } from '../stores/resources.ts';
import { tokens } from '../theme.ts';
import { Button } from './ui.tsx';

export function RunNow({ siteId, label = 'Run now' }: { siteId: string; label?: string }) {
  const db = useDb();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<CrawlRequest | null>(null);

  async function run() {
    setBusy(true);
    setResult(null);
    try {
      const res = await requestCrawl(db, siteId);
      setResult(res);
      if (res.ok) useResourceStore.getState().invalidate((k) => k.startsWith(`runs:${siteId}`) || k === `home:${siteId}` || k.startsWith('overview'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex flex-col items-end gap-2">
      <Button variant="primary" onClick={() => void run()} busy={busy}>
        {busy ? 'Asking…' : label}
      </Button>
      {result && (
        <div
          role={result.ok || result.rateLimited ? 'status' : 'alert'}
          className="card max-w-sm border-l-4 px-4 py-3 text-sm fade-in"
          style={{ borderLeftColor: result.ok ? tokens.success : result.rateLimited ? tokens.warning : tokens.critical }}
          data-testid="run-now-result"
        >
          {result.ok ? (
            <>
              <p className="font-semibold">Crawl queued</p>
              <p className="text-muted">
                Workers pick it up in a moment.{' '}
                <Link className="link" to={`/sites/${siteId}/runs/${result.runId}`}>
                  Follow it
                </Link>
              </p>
            </>
          ) : (
            <>
              <p className="font-semibold">{result.title}</p>
              <p className="text-muted">{result.message}</p>
            </>
          )}
        </div>
      )}
    </div>
  );
}
