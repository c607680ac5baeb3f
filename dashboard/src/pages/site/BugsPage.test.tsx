import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as queries from '../../data/queries.ts';
import { listBug, SITE_ID, siteWithRole } from '../../test/fixtures.ts';
import { currentLocation, renderApp, resetStores } from '../../test/render.tsx';

vi.mock('../../data/queries.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../data/queries.ts')>()),
  fetchSite: vi.fn(),
  fetchBugs: vi.fn(),
  fetchBugFacets: vi.fn(),
}));

beforeEach(() => {
  resetStores();
  vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole());
  vi.mocked(queries.fetchBugFacets).mockResolvedValue({ pages: ['/', '/cart'], flows: [{ id: '55555555-5555-4555-8555-555555555555', name: 'Checkout' }] });
  vi.mocked(queries.fetchBugs).mockImplementation(async (_db, _site, f) => ({
    rows: Array.from({ length: 25 }, (_, i) => listBug({ id: `bug-${f.page}-${i}`, title: `Bug ${i} on page ${f.page}` })),
    total: 60,
    page: f.page,
    pageSize: 25,
  }));
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe('bug list', () => {
  it('asks the server for one filtered page and links to the next', async () => {
    renderApp(`/sites/${SITE_ID}/bugs`);
    expect(await screen.findByText('Bug 0 on page 1')).toBeTruthy();
    expect(vi.mocked(queries.fetchBugs).mock.calls[0]![2]).toMatchObject({ status: 'open', sort: 'severity', page: 1, severity: [] });
    expect(screen.getByText('60 bugs match')).toBeTruthy();
    const next = screen.getByRole('link', { name: 'Next →' });
    expect(next.getAttribute('href')).toBe(`/sites/${SITE_ID}/bugs?p=2`);
    fireEvent.click(next);
    expect(await screen.findByText('Bug 0 on page 2')).toBeTruthy();
    expect(vi.mocked(queries.fetchBugs).mock.calls.at(-1)![2].page).toBe(2);
  });

  it('filters go into the URL and back to page 1', async () => {
    renderApp(`/sites/${SITE_ID}/bugs?p=2`);
    await screen.findByText('Bug 0 on page 2');
    fireEvent.click(screen.getByRole('button', { name: 'P0' }));
    await waitFor(() => expect(currentLocation()).toBe(`/sites/${SITE_ID}/bugs?severity=P0`));
    expect(screen.getByRole('button', { name: 'P0' }).getAttribute('aria-pressed')).toBe('true');
    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'snoozed' } });
    fireEvent.change(screen.getByLabelText('Page'), { target: { value: '/cart' } });
    fireEvent.change(screen.getByLabelText('Viewport'), { target: { value: 'mobile' } });
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'js_error' } });
    fireEvent.change(screen.getByLabelText('Flow'), { target: { value: '55555555-5555-4555-8555-555555555555' } });
    fireEvent.change(screen.getByLabelText('Sort'), { target: { value: 'oldest' } });
    await waitFor(() =>
      expect(vi.mocked(queries.fetchBugs).mock.calls.at(-1)![2]).toEqual({
        severity: ['P0'],
        status: 'snoozed',
        type: 'js_error',
        path: '/cart',
        viewport: 'mobile',
        flow: '55555555-5555-4555-8555-555555555555',
        sort: 'oldest',
        page: 1,
      }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(currentLocation()).toBe(`/sites/${SITE_ID}/bugs`));
  });

  it('a filtered empty result says what to do', async () => {
    vi.mocked(queries.fetchBugs).mockResolvedValue({ rows: [], total: 0, page: 1, pageSize: 25 });
    renderApp(`/sites/${SITE_ID}/bugs?status=fixed`);
    expect(await screen.findByText('No bugs match these filters')).toBeTruthy();
  });
});
