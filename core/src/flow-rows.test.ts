import { describe, expect, it } from 'vitest';
import { parseFlow } from './flow.ts';
import { flowFromRows, flowToSavePayload, stepFromRow, stepToRow } from './flow-rows.ts';

const flow = parseFlow({
  id: 'f1',
  name: 'Login',
  startUrl: 'https://app.example.com/login',
  critical: true,
  steps: [
    {
      id: 's1',
      action: 'input',
      label: 'Type your password',
      labelSource: 'user',
      labelConfidence: 0.9,
      instruction: 'Type the account password',
      screenshot: 'flows/f1/0.png',
      selectors: [{ kind: 'label', value: 'Password' }],
      value: '{{secret:PASSWORD}}',
      element: { tag: 'input', attributes: { type: 'password' } },
    },
    { action: 'click', selectors: [{ kind: 'role', value: 'button "Sign in"' }] },
  ],
});

describe('flow rows', () => {
  it('puts queryable fields in columns and the rest in data, as the database expects', () => {
    const row = stepToRow(flow.steps[0]!);
    expect(row).toMatchObject({ action: 'input', label: 'Type your password', label_source: 'user', label_confidence: 0.9, instruction: 'Type the account password', screenshot_path: 'flows/f1/0.png' });
    expect(Object.keys(row.data).sort()).toEqual(['element', 'selectors', 'value']);
    // The database's last-line check reads exactly these paths.
    expect((row.data['element'] as { attributes: Record<string, string> }).attributes['type']).toBe('password');
    expect(row.data['value']).toBe('{{secret:PASSWORD}}');
  });

  it('round-trips a flow through save_flow rows', () => {
    const payload = flowToSavePayload(flow, 'site-1', 'extension');
    expect(payload).toMatchObject({ id: 'f1', site_id: 'site-1', name: 'Login', start_url: 'https://app.example.com/login', critical: true, schema_version: 1, source: 'extension' });
    const rows = payload.steps.map((s, position) => ({ ...s, position, ...(position === 0 ? { id: 's1' } : {}) })).reverse();
    const back = flowFromRows({ id: 'f1', site_id: 'site-1', name: 'Login', start_url: 'https://app.example.com/login', critical: true, schema_version: 1 }, rows);
    expect(back).toEqual({ ...flow, siteId: 'site-1' });
  });

  it('names a stored step that no longer validates', () => {
    expect(() => stepFromRow({ id: 'abc', action: 'click', data: { selectors: [] }, label: '', label_source: 'template', label_confidence: null, instruction: null, screenshot_path: null })).toThrow(
      /^Stored step abc is invalid \(1 problem\):\n {2}- selectors: must have at least one selector/,
    );
  });
});
