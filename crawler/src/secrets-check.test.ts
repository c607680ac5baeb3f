import { parseFlow, parseReport } from '@flowlens/core';
import { describe, expect, it } from 'vitest';
import { buildReport } from './report/build.ts';
import { describeMissingSecrets, missingSecrets, needsSetupResult } from './secrets-check.ts';

const flow = parseFlow({
  name: 'Sign in',
  critical: true,
  startUrl: 'https://shop.example/login',
  steps: [
    { action: 'input', label: 'Enter email', selectors: [{ kind: 'id', value: 'email' }], value: '{{secret:EMAIL}}' },
    { action: 'input', label: 'Enter password', selectors: [{ kind: 'id', value: 'pw' }], value: '{{secret:PASSWORD}}', element: { tag: 'input', attributes: { type: 'password' } } },
    { action: 'click', label: 'Sign in', selectors: [{ kind: 'role', value: 'button "Sign in"' }] },
  ],
});

describe('secrets checked up front', () => {
  it('lists each missing secret once with the flows that use it', () => {
    const other = { ...flow, name: 'Checkout' };
    const missing = missingSecrets([flow, other], (n) => (n === 'EMAIL' ? 'a@b.c' : n === 'PASSWORD' ? '' : undefined));
    expect(missing).toEqual([{ name: 'PASSWORD', flows: ['Sign in', 'Checkout'] }]);
    expect(describeMissingSecrets(missing)).toMatch(/FLOWLENS_SECRET_PASSWORD {3}\(used by "Sign in", "Checkout"\)/);
    expect(missingSecrets([flow], () => 'x')).toEqual([]);
  });

  it('turns a flow that needs setup into an errored run with the fix: no bug, a valid report', () => {
    const missing = missingSecrets([flow], () => undefined);
    const report = buildReport({
      baseUrl: 'https://shop.example',
      startedAt: '2026-12-03T08:00:00.000Z',
      finishedAt: '2026-12-03T08:00:01.000Z',
      flowRuns: [{ result: needsSetupResult(flow, 'desktop', missing), flowId: '00000000-0000-4000-8000-000000000001', startedAt: '2026-12-03T08:00:00.000Z', needsSetup: missing.map((m) => m.name) }],
      discoveries: [],
    });
    expect(() => parseReport(JSON.parse(JSON.stringify(report)))).not.toThrow();
    expect(report.bugs).toEqual([]);
    expect(report.runs[0]).toMatchObject({ status: 'errored', error: expect.stringMatching(/^Needs setup: the flow uses the secrets EMAIL, PASSWORD, not set for this site\. Store them in the dashboard under Settings → Credentials/), needsSetup: { secrets: ['EMAIL', 'PASSWORD'] } });
    expect(report.runs[0]?.steps.map((s) => s.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(report.runs[0]?.steps[0]?.error).toMatch(/^Needs setup/);
    // The mark belongs to errored runs only: a passed run claiming it is refused at the boundary.
    const forged = JSON.parse(JSON.stringify(report));
    forged.runs[0].status = 'passed';
    delete forged.runs[0].confirmed;
    expect(() => parseReport(forged)).toThrow(/needsSetup/);
  });
});
