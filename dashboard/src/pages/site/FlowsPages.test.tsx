import { generatePlaywrightTestFromRows, parseFlow, stepToRow } from '@flowlens/core';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as mutations from '../../data/mutations.ts';
import * as queries from '../../data/queries.ts';
import { FLOW_ID, RUN_ID, SITE_ID, siteWithRole } from '../../test/fixtures.ts';
import { renderApp, resetStores } from '../../test/render.tsx';

vi.mock('../../data/queries.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../data/queries.ts')>()),
  fetchSite: vi.fn(),
  fetchFlows: vi.fn(),
  fetchFlow: vi.fn(),
  fetchFlowExport: vi.fn(),
  signedScreenshotUrls: vi.fn(),
}));
vi.mock('../../data/mutations.ts', () => ({ requestCrawl: vi.fn(), decideProposal: vi.fn() }));

const result = (viewport: 'desktop' | 'tablet' | 'mobile', status: 'passed' | 'failed' | 'needs_setup', healed: number[] = []) => ({
  id: `${viewport}-${status}`,
  flow_id: FLOW_ID,
  run_id: RUN_ID,
  viewport,
  source: 'crawler' as const,
  status,
  missing_secrets: status === 'needs_setup' ? ['PASSWORD'] : [],
  healed_steps: healed,
  failed_step: status === 'failed' ? 2 : null,
  finished_at: '2026-11-22T02:05:00Z',
});

beforeEach(() => {
  resetStores();
  vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole());
  vi.mocked(queries.fetchFlows).mockResolvedValue({
    rows: [{ id: FLOW_ID, site_id: SITE_ID, name: 'Checkout', start_url: 'https://shop.lumen.example/', critical: true, version: 3, updated_at: '', latest: { desktop: result('desktop', 'passed'), mobile: result('mobile', 'failed'), tablet: result('tablet', 'passed', [1]) }, pendingProposals: 1 }],
    total: 1,
    page: 1,
    pageSize: 25,
  });
  vi.mocked(queries.fetchFlow).mockResolvedValue({
    flow: { id: FLOW_ID, site_id: SITE_ID, name: 'Checkout', start_url: 'https://shop.lumen.example/', critical: true, version: 3, updated_at: '' },
    steps: [
      { id: 's0', position: 0, action: 'navigate', label: 'Open the shop', instruction: null, screenshot_path: `${SITE_ID}/steps/${FLOW_ID}/0.png`, data: {} },
      { id: 's1', position: 1, action: 'click', label: 'Press <b>Pay</b>', instruction: 'The blue button', screenshot_path: null, data: { selectors: [{ kind: 'css', value: '#pay' }] } },
    ],
    proposals: [{ id: 'prop1', step_id: 's1', flow_id: FLOW_ID, from_selector: { kind: 'css', value: '#pay' }, to_selector: { kind: 'testid', value: 'pay-now' }, confidence: 0.86, run_id: RUN_ID, status: 'pending', created_at: '' }],
    results: [result('mobile', 'failed'), result('desktop', 'passed')],
  });
  vi.mocked(queries.signedScreenshotUrls).mockResolvedValue({ [`${SITE_ID}/steps/${FLOW_ID}/0.png`]: 'http://signed/0.png' });
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe('flows', () => {
  it('lists flows with the critical flag and the last result per viewport', async () => {
    renderApp(`/sites/${SITE_ID}/flows`);
    const table = await screen.findByRole('table', { name: /Flows with their last result/ });
    const row = within(table).getAllByRole('row')[1]!;
    expect(within(row).getByText('critical')).toBeTruthy();
    expect(within(row).getAllByRole('cell').slice(1, 4).map((c) => c.textContent?.split(' ')[0])).toEqual(['passed', 'healed', 'failed']);
    expect(within(row).getByRole('link', { name: '1 healed selector' }).getAttribute('href')).toBe(`/sites/${SITE_ID}/flows/${FLOW_ID}#healed`);
  });

  it('a flow that needs setup says so with the secret and where to store it, on the list and the flow', async () => {
    vi.mocked(queries.fetchFlows).mockResolvedValue({
      rows: [{ id: FLOW_ID, site_id: SITE_ID, name: 'Sign in', start_url: 'https://shop.lumen.example/login', critical: false, version: 1, updated_at: '', latest: { desktop: result('desktop', 'needs_setup'), mobile: result('mobile', 'needs_setup') }, pendingProposals: 0 }],
      total: 1,
      page: 1,
      pageSize: 25,
    });
    renderApp(`/sites/${SITE_ID}/flows`);
    const note = await screen.findByTestId('flow-needs-setup');
    expect(note.textContent).toContain('Needs setup: store PASSWORD under Settings → Credentials');
    expect(within(note).getByRole('link', { name: 'Settings → Credentials' }).getAttribute('href')).toBe(`/sites/${SITE_ID}/settings#credentials`);
    const row = within(screen.getByRole('table', { name: /Flows with their last result/ })).getAllByRole('row')[1]!;
    expect(within(row).getAllByRole('cell').slice(1, 4).map((c) => c.textContent?.replace(/ .*$/, ''))).toEqual(['needs', 'not', 'needs']);
    cleanup();
    vi.mocked(queries.fetchFlow).mockResolvedValueOnce({
      flow: { id: FLOW_ID, site_id: SITE_ID, name: 'Sign in', start_url: 'https://shop.lumen.example/login', critical: false, version: 1, updated_at: '' },
      steps: [],
      proposals: [],
      results: [result('desktop', 'needs_setup')],
    });
    renderApp(`/sites/${SITE_ID}/flows/${FLOW_ID}`);
    expect((await screen.findByTestId('flow-needs-setup')).textContent).toContain('store PASSWORD under Settings → Credentials');
  });

  it('run now: a rate-limit refusal reads as "already on its way", not as an error', async () => {
    vi.mocked(mutations.requestCrawl).mockResolvedValue({ ok: false, rateLimited: true, title: 'A crawl is already on its way', message: 'A crawl of this site was requested at 10:02:11 UTC; wait for it to finish (or two minutes) before asking again.' });
    renderApp(`/sites/${SITE_ID}/flows`);
    fireEvent.click(await screen.findByRole('button', { name: 'Run all flows now' }));
    const box = await screen.findByTestId('run-now-result');
    expect(box.getAttribute('role')).toBe('status');
    expect(box.textContent).toContain('A crawl is already on its way');
    expect(box.textContent).toContain('requested at 10:02:11 UTC');
  });

  it('run now: success links to the queued run', async () => {
    vi.mocked(mutations.requestCrawl).mockResolvedValue({ ok: true, runId: RUN_ID });
    renderApp(`/sites/${SITE_ID}/flows`);
    fireEvent.click(await screen.findByRole('button', { name: 'Run all flows now' }));
    expect((await screen.findByRole('link', { name: 'Follow it' })).getAttribute('href')).toBe(`/sites/${SITE_ID}/runs/${RUN_ID}`);
  });

  it('flow detail: labels as text, step screenshots, and healed selectors to accept', async () => {
    vi.mocked(mutations.decideProposal).mockResolvedValue({} as never);
    const { container } = renderApp(`/sites/${SITE_ID}/flows/${FLOW_ID}`);
    expect(await screen.findByText('Press <b>Pay</b>')).toBeTruthy();
    expect(container.querySelector('b')).toBeNull();
    expect((await screen.findByAltText('Step 1: Open the shop')).getAttribute('src')).toBe('http://signed/0.png');
    const proposal = screen.getByTestId('proposal');
    expect(proposal.textContent).toContain('css: #pay');
    expect(proposal.textContent).toContain('testid: pay-now');
    expect(proposal.textContent).toContain('86%');
    fireEvent.click(within(proposal).getByRole('button', { name: 'Accept' }));
    await waitFor(() => expect(mutations.decideProposal).toHaveBeenCalledWith(expect.anything(), 'prop1', true));
    await waitFor(() => expect(queries.fetchFlow).toHaveBeenCalledTimes(2));
  });

  it('"Download as Playwright test" saves exactly what core\'s generator writes for the stored flow', async () => {
    const flow = parseFlow({
      name: 'Checkout */ "quoted"',
      startUrl: 'https://shop.lumen.example/',
      steps: [
        { action: 'click', label: 'Press Pay', selectors: [{ kind: 'css', value: '#pay' }, { kind: 'role', value: 'button "Pay"' }] },
        { action: 'input', label: 'Enter password', selectors: [{ kind: 'label', value: 'Password' }], value: '{{secret:PASSWORD}}' },
        { action: 'assert', label: 'Thanks', assertion: 'textVisible', value: 'Thank you' },
      ],
    });
    const rows = {
      flow: { id: FLOW_ID, site_id: SITE_ID, name: flow.name, start_url: flow.startUrl, critical: true, schema_version: 1, version: 3 },
      steps: flow.steps.map((st, position) => ({ ...stepToRow(st), id: `s${position}`, position })),
      proposals: [{ step_id: 's0', from_selector: { kind: 'css', value: '#pay' }, to_selector: { kind: 'testid', value: 'pay-now' }, confidence: 0.86, status: 'pending' }],
    };
    vi.mocked(queries.fetchFlowExport).mockResolvedValue(rows);
    const blobs: Blob[] = [];
    const saved: string[] = [];
    const original = { create: URL.createObjectURL, revoke: URL.revokeObjectURL };
    URL.createObjectURL = vi.fn((b: Blob) => (blobs.push(b), 'blob:flowlens/1'));
    URL.revokeObjectURL = vi.fn();
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    try {
      renderApp(`/sites/${SITE_ID}/flows/${FLOW_ID}`);
      fireEvent.click(await screen.findByRole('button', { name: 'Download as Playwright test' }));
      await waitFor(() => expect(saved).toHaveLength(1));
      const expected = generatePlaywrightTestFromRows(rows, { generator: 'the FlowLens dashboard' });
      expect(saved[0]).toBe(expected.filename);
      const text = await blobs[0]!.text();
      expect(text).toBe(expected.code);
      expect(text).toContain("await page.getByTestId('pay-now').click();");
      expect(text).toContain(', version 3 ');
      expect(vi.mocked(queries.fetchFlowExport)).toHaveBeenCalledWith(expect.anything(), SITE_ID, FLOW_ID);
    } finally {
      click.mockRestore();
      URL.createObjectURL = original.create;
      URL.revokeObjectURL = original.revoke;
    }
  });
});
