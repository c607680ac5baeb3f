import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import { readStoredHealthInputs } from '@flowlens/core/health';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as queries from '../../data/queries.ts';
import { BUG_ID, homeData, listBug, RUN_ID, SITE_ID, siteWithRole } from '../../test/fixtures.ts';
import { renderApp, resetStores } from '../../test/render.tsx';
import { a11yAuditSentence } from './RunsPages.tsx';

vi.mock('../../data/queries.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../data/queries.ts')>()),
  fetchSite: vi.fn(),
  fetchRuns: vi.fn(),
  fetchRun: vi.fn(),
}));

const run = homeData().scoreRun!;

beforeEach(() => {
  resetStores();
  vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole());
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe('history', () => {
  it('lists runs with trigger, duration and result, paginated by the server', async () => {
    vi.mocked(queries.fetchRuns).mockResolvedValue({ rows: [{ ...run, trigger: 'deploy', deploy_events: { commit_sha: 'abcdef1234567', branch: 'main' } }], total: 40, page: 1, pageSize: 25 });
    renderApp(`/sites/${SITE_ID}/runs`);
    const table = await screen.findByRole('table', { name: 'Crawl runs' });
    const row = within(table).getAllByRole('row')[1]!;
    expect(row.textContent).toContain('Deploy abcdef1');
    expect(row.textContent).toContain('9 min 55 s');
    expect(row.textContent).toContain('completed');
    expect(row.textContent).toContain('78');
    expect(screen.getByRole('link', { name: 'Next →' }).getAttribute('href')).toBe(`/sites/${SITE_ID}/runs?p=2`);
  });

  it('run detail shows the diff and the inputs behind the score', async () => {
    vi.mocked(queries.fetchRun).mockResolvedValue({
      run: { ...run, summary: { new: [BUG_ID], regressed: [], persistent: ['x1', 'x2'], fixed: [], pagesAdded: ['/new'], pagesRemoved: [], healthScore: 78, previousHealthScore: 84, jobs: { done: 12, total: 12 }, deployEventId: null, a11yAudits: { fresh: 2, reused: 3, reusedSince: '2026-11-20T02:04:00Z' } } },
      health: homeData().latest,
      jobs: [{ id: 'j1', flow_id: null, viewport: 'desktop', status: 'done', attempts: 1, started_at: '2026-11-22T02:00:05Z', finished_at: '2026-11-22T02:01:05Z', last_error: null, flows: null }],
      results: [],
      deploy: null,
      bugs: { [BUG_ID]: listBug({ status: 'new' }) },
    });
    renderApp(`/sites/${SITE_ID}/runs/${RUN_ID}`);
    expect((await screen.findByTestId('run-score')).textContent).toBe('78');
    const counts = screen.getByRole('list', { name: 'Diff counts' });
    expect(within(counts).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['New1', 'Came back0', 'Fixed0', 'Still there2']);
    expect(screen.getByRole('list', { name: 'New' }).textContent).toContain('TypeError');
    expect(screen.getByText('/new')).toBeTruthy();
    expect(screen.getByText('P0 0 · P1 2 · P2 3 · P3 4 active')).toBeTruthy();
    expect(screen.getByText('8 of 9 passed')).toBeTruthy();
    // The measurements are the metric comparisons finalise_run counted (withinBaseline + regressed, as SQL writes them).
    expect(screen.getByText('0 regressions, 24 measurements')).toBeTruthy();
    expect(screen.getByText('critical 0 · serious 2 · moderate 0 · minor 0')).toBeTruthy();
    expect(screen.getByText('Page discovery')).toBeTruthy();
    // How the accessibility audits were made: unchanged pages kept an earlier audit, and it says since when.
    const audits = screen.getByTestId('run-a11y-audits').textContent!;
    expect(audits).toMatch(/^Accessibility: 2 pages audited in this crawl; 3 unchanged pages kept their audit from .*20.*\(pages whose content, styles and viewport have not changed are audited again at least weekly\)\.$/);
  });

  it('shows the performance breakdown finalise_run stored, and a part it cannot read as not recorded', async () => {
    const latest = homeData().latest!;
    vi.mocked(queries.fetchRun).mockResolvedValue({
      run: { ...run, summary: null },
      // What private.finalise_health writes (tests/database/queue.test.ts parses a real one with core's schema), read with core's reader.
      health: { ...latest, inputs: readStoredHealthInputs({ ...latest.inputs, performance: { withinBaseline: 40, regressed: 3 }, accessibility: { impact: 'unknown' } }) },
      jobs: [],
      results: [],
      deploy: null,
      bugs: {},
    });
    renderApp(`/sites/${SITE_ID}/runs/${RUN_ID}`);
    expect(await screen.findByText('3 regressions, 43 measurements')).toBeTruthy();
    expect(screen.getByText('not recorded')).toBeTruthy();
  });

  it('follows a crawl that is still running until it finishes', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const base = { health: null, jobs: [], results: [], deploy: null, bugs: {} };
      vi.mocked(queries.fetchRun)
        .mockResolvedValueOnce({ ...base, run: { ...run, status: 'running', finished_at: null, summary: null } })
        .mockResolvedValue({ ...base, run: { ...run, status: 'completed', summary: { new: [], regressed: [], persistent: [], fixed: [], pagesAdded: [], pagesRemoved: [], healthScore: 78, previousHealthScore: 84, jobs: null, deployEventId: null, a11yAudits: null } } });
      renderApp(`/sites/${SITE_ID}/runs/${RUN_ID}`);
      expect(await screen.findByText('The diff appears when the crawl finishes.')).toBeTruthy();
      await act(async () => {
        await vi.advanceTimersByTimeAsync(5000);
      });
      await waitFor(() => expect(screen.getByRole('list', { name: 'Diff counts' })).toBeTruthy());
      const calls = vi.mocked(queries.fetchRun).mock.calls.length;
      await act(async () => {
        await vi.advanceTimersByTimeAsync(15000);
      });
      // Finished: no more polling.
      expect(vi.mocked(queries.fetchRun).mock.calls.length).toBe(calls);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('a11yAuditSentence', () => {
  it('says how many pages were audited and how many kept an earlier audit, in words for one or many', () => {
    expect(a11yAuditSentence({ fresh: 1, reused: 0, reusedSince: null })).toBe('Accessibility: 1 page audited in this crawl.');
    expect(a11yAuditSentence({ fresh: 0, reused: 1, reusedSince: null })).toBe(
      'Accessibility: 0 pages audited in this crawl; 1 unchanged page kept its audit (pages whose content, styles and viewport have not changed are audited again at least weekly).',
    );
  });
});
