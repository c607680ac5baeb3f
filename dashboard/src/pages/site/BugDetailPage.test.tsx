import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as mutations from '../../data/mutations.ts';
import * as queries from '../../data/queries.ts';
import { BUG_ID, bugDetail, fullBug, occurrence, RUN_ID, SITE_ID, siteWithRole } from '../../test/fixtures.ts';
import { renderApp, resetStores } from '../../test/render.tsx';
import { dateInputValue, reproduceUrl, reproFor, snoozeDate } from './BugDetailPage.tsx';

vi.mock('../../data/queries.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../data/queries.ts')>()),
  fetchSite: vi.fn(),
  fetchBug: vi.fn(),
  fetchOccurrences: vi.fn(),
  fetchAudit: vi.fn(),
  signedScreenshotUrl: vi.fn(),
}));
vi.mock('../../data/mutations.ts', () => ({
  snoozeBug: vi.fn(),
  markFalsePositive: vi.fn(),
  reopenBug: vi.fn(),
}));

const HOSTILE_TITLE = '<img src=x onerror="window.__xss=1">Checkout <b>broken</b>';
const HOSTILE_MESSAGE = '<script>window.__xss=2</script><a href="javascript:alert(1)">click</a>';

beforeEach(() => {
  resetStores();
  vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole('member'));
  vi.mocked(queries.fetchBug).mockResolvedValue(bugDetail());
  vi.mocked(queries.fetchOccurrences).mockResolvedValue({ rows: [occurrence(), occurrence({ id: 'older', seen_at: '2026-11-21T02:04:00Z', viewport: 'desktop', evidence: { reproSteps: ['Recorded step one', 'Recorded step two'] } })], total: 2, page: 1, pageSize: 20 });
  vi.mocked(queries.fetchAudit).mockResolvedValue({ entries: [], people: {} });
  vi.mocked(queries.signedScreenshotUrl).mockResolvedValue(`http://127.0.0.1:54321/storage/v1/object/sign/screenshots/${SITE_ID}/runs/${RUN_ID}/mobile/cart.png?token=t`);
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

const path = `/sites/${SITE_ID}/bugs/${BUG_ID}`;

describe('bug detail', () => {
  it('offers "Reproduce in my browser" for a broken flow: a link to the site the extension picks up', async () => {
    vi.mocked(queries.fetchBug).mockResolvedValue(bugDetail({ type: 'flow_broken' }));
    renderApp(path);
    const link = await screen.findByTestId('reproduce-link');
    expect(link.getAttribute('href')).toBe(`https://shop.lumen.example/#flowlens-walkthrough=bug:${BUG_ID}`);
    expect(link.getAttribute('target')).toBe('_blank');
    expect(link.getAttribute('rel')).toContain('noopener');
  });

  it('has no reproduce link for bugs without a recorded flow step, nor for a site URL that is not http(s)', async () => {
    renderApp(path); // a js_error
    await screen.findByTestId('bug-title');
    expect(screen.queryByTestId('reproduce-link')).toBeNull();
    expect(reproduceUrl('javascript:alert(1)', BUG_ID)).toBeNull();
    expect(reproduceUrl('not a url', BUG_ID)).toBeNull();
  });

  it('renders what a crawled page wrote as text, never as HTML', async () => {
    vi.mocked(queries.fetchBug).mockResolvedValue(bugDetail({ title: HOSTILE_TITLE, message: HOSTILE_MESSAGE }));
    const { container } = renderApp(path);
    const title = await screen.findByTestId('bug-title');
    expect(title.textContent).toBe(HOSTILE_TITLE);
    expect(screen.getByTestId('bug-message').textContent).toBe(HOSTILE_MESSAGE);
    expect(container.querySelector('img[src="x"]')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    expect(container.querySelector('a[href^="javascript:"]')).toBeNull();
    expect((window as unknown as { __xss?: number }).__xss).toBeUndefined();
  });

  it('explains the grouping from the parts stored with the bug, as text', async () => {
    vi.mocked(queries.fetchBug).mockResolvedValue(bugDetail());
    const { container } = renderApp(path);
    const grouping = await screen.findByTestId('bug-grouping');
    expect(grouping.textContent).toContain('Why these sightings are one bug');
    expect(grouping.textContent).toContain('v1:abc');
    expect(grouping.textContent).toContain('location <b>typeerror</b> at cart.js — counts: normalised message');
    expect(container.querySelector('b')).toBeNull();
  });

  it('shows the evidence: signed screenshot, repro steps from the flow, console, request, axe rule with help link', async () => {
    renderApp(path);
    const img = await screen.findByTestId('bug-screenshot');
    expect(img.getAttribute('src')).toMatch(/\/storage\/v1\/object\/sign\/screenshots\/.+token=t$/);
    expect(queries.signedScreenshotUrl).toHaveBeenCalledWith(expect.anything(), `${SITE_ID}/runs/${RUN_ID}/mobile/cart.png`);
    // No reproSteps in this occurrence's evidence: the flow's steps up to the failing one (index 2).
    const steps = within(screen.getByTestId('repro-steps')).getAllByRole('listitem').map((li) => li.textContent);
    expect(steps).toEqual(['Open the shop', 'Add the lamp to the cart', 'Open the cart']);
    expect(screen.getByTestId('console-lines').textContent).toContain("TypeError: Cannot read properties of undefined (reading 'price')");
    expect(screen.getByTestId('failing-request').textContent).toBe('POST https://shop.lumen.example/api/cart → 500');
    expect(screen.getByRole('link', { name: 'How to fix (axe help)' }).getAttribute('href')).toBe('https://dequeuniversity.com/rules/axe/4.10/button-name');
    expect(screen.getByText('<button id="pay"></button>')).toBeTruthy();
  });

  it('the occurrence timeline switches the evidence shown', async () => {
    renderApp(path);
    await screen.findByTestId('repro-steps');
    const timeline = screen.getByRole('list', { name: 'Occurrences, newest first' });
    const buttons = within(timeline).getAllByRole('button');
    expect(buttons).toHaveLength(2);
    fireEvent.click(buttons[1]!);
    await waitFor(() => expect(within(screen.getByTestId('repro-steps')).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Recorded step one', 'Recorded step two']));
    expect(within(timeline).getAllByRole('link', { name: 'run' })[0]!.getAttribute('href')).toBe(`/sites/${SITE_ID}/runs/${RUN_ID}`);
  });

  it('snoozes until the chosen date (local midnight) and then offers to reopen', async () => {
    vi.mocked(mutations.snoozeBug).mockImplementation(async (_db, id, until) => fullBug({ id, snoozed_until: until.toISOString() }));
    renderApp(path);
    const input = (await screen.findByLabelText('Snooze until')) as HTMLInputElement;
    const target = new Date();
    target.setDate(target.getDate() + 10);
    fireEvent.change(input, { target: { value: dateInputValue(target) } });
    fireEvent.click(screen.getByRole('button', { name: 'Snooze' }));
    await screen.findByTestId('snoozed-note');
    const until = vi.mocked(mutations.snoozeBug).mock.calls[0]![2];
    expect(until.getTime()).toBe(new Date(target.getFullYear(), target.getMonth(), target.getDate()).getTime());
    expect(screen.getByRole('button', { name: 'Reopen' })).toBeTruthy();
    expect(await screen.findByText(/^Snoozed until/, { selector: '[role=status] span' })).toBeTruthy();
  });

  it('does not snooze into the past', async () => {
    renderApp(path);
    const input = (await screen.findByLabelText('Snooze until')) as HTMLInputElement;
    fireEvent.change(input, { target: { value: '2020-01-01' } });
    expect((screen.getByRole('button', { name: 'Snooze' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('asks before marking a false positive, then marks it', async () => {
    vi.mocked(mutations.markFalsePositive).mockResolvedValue(fullBug({ false_positive: true, false_positive_at: '2026-11-22T10:00:00Z' }));
    renderApp(path);
    fireEvent.click(await screen.findByRole('button', { name: 'Mark as false positive' }));
    expect(mutations.markFalsePositive).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Yes, it is a false positive' }));
    await screen.findByTestId('fp-note');
    expect(mutations.markFalsePositive).toHaveBeenCalledWith(expect.anything(), BUG_ID);
  });

  it('copies the bug as a Markdown issue', async () => {
    const writeText = vi.fn(async (_text: string) => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    renderApp(path);
    fireEvent.click(await screen.findByRole('button', { name: 'Copy as Markdown issue' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledTimes(1));
    const md = writeText.mock.calls[0]![0] as string;
    expect(md).toMatch(/^## \[P1\] TypeError/);
    expect(md).toContain('1. Open the shop');
    expect((screen.getByLabelText('Markdown') as HTMLTextAreaElement).value).toBe(md);
  });

  it('says so when the bug is not visible (another organisation, or gone)', async () => {
    vi.mocked(queries.fetchBug).mockResolvedValue(null);
    renderApp(path);
    expect(await screen.findByRole('heading', { name: 'Bug not found' })).toBeTruthy();
  });

  it("uses the crawler's numbered repro steps without numbering them twice, and says when only the flow is known", () => {
    // The crawler writes "1. Enter email" (crawler/src/report/build.ts); the list is an <ol>.
    expect(reproFor(bugDetail(), occurrence({ evidence: { reproSteps: ['1. Enter email', '2. Click \'Sign up\'', '10. Check it'] } }))).toEqual({ steps: ['Enter email', "Click 'Sign up'", 'Check it'], wholeFlow: false });
    // A JS error seen during a flow, at no particular step: the whole flow, flagged as such.
    const d = bugDetail();
    const whole = reproFor({ ...d, bug: { ...d.bug, step_index: null } }, occurrence({ evidence: {} }));
    expect(whole.wholeFlow).toBe(true);
    expect(whole.steps).toHaveLength(d.flowSteps.length);
  });

  it('parses the snooze date as a local day', () => {
    expect(snoozeDate('2026-12-01')!.getTime()).toBe(new Date(2026, 11, 1).getTime());
    expect(snoozeDate('garbage')).toBeNull();
  });
});
