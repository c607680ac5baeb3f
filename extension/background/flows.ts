/** Saving, listing, opening, exporting and importing flows (issue 4). */
import {
  exportChromeRecording,
  flowFromRows,
  flowToSavePayload,
  generatePlaywrightTestFromRows,
  loadFlowJson,
  originOf,
  parseFlow,
  PlaywrightExportError,
  type Flow,
  type FlowResultStatus,
  type StepRow,
} from '@flowlens/core';
import { FriendlyError } from '../lib/errors.ts';
import type { FlowSummary } from '../lib/protocol.ts';
import { readRecorderState, updateRecorderState, type Draft } from '../lib/state.ts';
import { signedIn } from './backend-access.ts';
import { uploadsSettled } from './recording.ts';

function draftToFlow(draft: Draft, siteId: string | null): Flow {
  return parseFlow({
    ...(draft.id ? { id: draft.id } : {}),
    ...(siteId ? { siteId } : {}),
    name: draft.name,
    startUrl: draft.startUrl,
    critical: draft.critical,
    steps: draft.steps.map((s) => s.step),
  });
}

function validFlow(draft: Draft | null, siteId: string | null): Flow {
  if (!draft || draft.steps.length === 0) throw new FriendlyError('Record at least one step before saving or exporting.');
  try {
    return draftToFlow(draft, siteId);
  } catch (e) {
    // ValidationError lists paths and rules, never typed values; show its first problem.
    const first = (e instanceof Error ? e.message : '').split('\n').find((l) => /steps\[|name|startUrl/.test(l));
    throw new FriendlyError(`This flow cannot be saved yet${first ? `: ${first.trim()}` : ''}. Fix or delete that step and try again.`);
  }
}

export async function saveFlow(): Promise<{ id: string; version: number }> {
  await uploadsSettled();
  const state = await readRecorderState();
  if (state.recording) throw new FriendlyError('Stop recording before saving.');
  if (!state.siteId) throw new FriendlyError('Pick the site this flow belongs to first.');
  const flow = validFlow(state.draft, state.siteId);
  const { db } = await signedIn();
  const payload = flowToSavePayload(flow, state.siteId, 'extension');
  const { data, error } = await db.rpc('save_flow', { payload });
  if (error) throw error;
  const row = data as { id: string; version: number };
  await updateRecorderState((s) => (s.draft ? { ...s, dirty: false, draft: { ...s.draft, id: row.id }, notice: `Saved "${flow.name}" (version ${row.version}).` } : s));
  return { id: row.id, version: row.version };
}

export async function listFlows(siteId: string): Promise<FlowSummary[]> {
  const { db } = await signedIn();
  const flows = await db.from('flows').select('id, name, critical, version, updated_at, flow_steps(count)').eq('site_id', siteId).order('updated_at', { ascending: false }).limit(200);
  if (flows.error) throw flows.error;
  const rows = (flows.data ?? []) as unknown as { id: string; name: string; critical: boolean; version: number; updated_at: string; flow_steps: { count: number }[] }[];
  const ids = rows.map((r) => r.id);
  const results = new Map<string, FlowSummary['lastResults']>();
  if (ids.length > 0) {
    const res = await db.from('flow_results').select('flow_id, viewport, status, finished_at').in('flow_id', ids).order('finished_at', { ascending: false }).limit(1000);
    if (res.error) throw res.error;
    for (const r of (res.data ?? []) as { flow_id: string; viewport: string; status: FlowResultStatus; finished_at: string }[]) {
      const list = results.get(r.flow_id) ?? [];
      if (!list.some((x) => x.viewport === r.viewport)) list.push({ viewport: r.viewport, status: r.status, finishedAt: r.finished_at });
      results.set(r.flow_id, list);
    }
  }
  return rows.map((r) => ({ id: r.id, name: r.name, critical: r.critical, version: r.version, updatedAt: r.updated_at, stepCount: r.flow_steps[0]?.count ?? 0, lastResults: results.get(r.id) ?? [] }));
}

export async function openFlow(flowId: string, siteId: string): Promise<void> {
  const state = await readRecorderState();
  if (state.recording) throw new FriendlyError('Stop recording before opening another flow.');
  const { db } = await signedIn();
  const flowRes = await db.from('flows').select('id, site_id, name, start_url, critical, schema_version').eq('id', flowId).single();
  if (flowRes.error) throw flowRes.error;
  const stepsRes = await db.from('flow_steps').select('id, position, action, data, label, label_source, label_confidence, instruction, screenshot_path').eq('flow_id', flowId).order('position');
  if (stepsRes.error) throw stepsRes.error;
  let flow: Flow;
  try {
    flow = flowFromRows(flowRes.data as Parameters<typeof flowFromRows>[0], (stepsRes.data ?? []) as (StepRow & { id: string; position: number })[]);
  } catch {
    throw new FriendlyError('This flow was saved by a newer or different FlowLens and cannot be opened here. Update the extension.');
  }
  await updateRecorderState((s) => ({
    ...s,
    siteId,
    origin: originOf(flow.startUrl),
    tabId: null,
    recordingId: crypto.randomUUID(),
    lastUrl: null,
    dirty: false,
    notice: null,
    draft: { id: flow.id, name: flow.name, startUrl: flow.startUrl, critical: flow.critical, steps: flow.steps.map((step) => ({ uid: step.id ?? crypto.randomUUID(), step: { ...step, id: undefined } })) },
  }));
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'flow';
}

export async function exportFlow(format: 'flowlens' | 'chrome'): Promise<{ filename: string; json: string }> {
  const state = await readRecorderState();
  const flow = validFlow(state.draft, state.siteId);
  if (format === 'chrome') return { filename: `${slug(flow.name)}.recording.json`, json: JSON.stringify(exportChromeRecording(flow), null, 2) };
  return { filename: `${slug(flow.name)}.flowlens.json`, json: JSON.stringify(flow, null, 2) };
}

/**
 * A saved flow as a `@playwright/test` spec (issue 17): the stored rows and pending healed
 * selectors through core's generator, the same code as the dashboard's download and the CLI.
 */
export async function exportSavedFlowAsPlaywright(flowId: string): Promise<{ filename: string; code: string }> {
  const { db } = await signedIn();
  const [flowRes, stepsRes, proposalsRes] = await Promise.all([
    db.from('flows').select('id, site_id, name, start_url, critical, schema_version, version').eq('id', flowId).maybeSingle(),
    db.from('flow_steps').select('id, position, action, data, label, label_source, label_confidence, instruction, screenshot_path').eq('flow_id', flowId).order('position'),
    db.from('selector_proposals').select('step_id, from_selector, to_selector, confidence, status').eq('flow_id', flowId).eq('status', 'pending').limit(200),
  ]);
  if (flowRes.error) throw flowRes.error;
  if (stepsRes.error) throw stepsRes.error;
  if (proposalsRes.error) throw proposalsRes.error;
  if (!flowRes.data) throw new FriendlyError('That flow is gone: it may have been deleted. The list is up to date now.');
  try {
    // The generator parses the rows (core's schema), so they are passed as PostgREST returned them.
    const rows = { flow: flowRes.data, steps: stepsRes.data ?? [], proposals: proposalsRes.data ?? [] };
    const { filename, code } = generatePlaywrightTestFromRows(rows, { generator: 'the FlowLens extension' });
    return { filename, code };
  } catch (e) {
    if (e instanceof PlaywrightExportError) throw new FriendlyError(`This flow cannot be a Playwright test yet: ${e.problems[0] ?? 'a step has no usable selector'}.`);
    throw new FriendlyError('This flow was saved by a newer or different FlowLens and cannot be exported here. Update the extension.');
  }
}

export async function importFlow(text: string, siteId: string, origin: string): Promise<{ warnings: string[] }> {
  const state = await readRecorderState();
  if (state.recording) throw new FriendlyError('Stop recording before importing a file.');
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw new FriendlyError('That file is not JSON. Export it again from Chrome DevTools → Recorder (Export → JSON).');
  }
  let result;
  try {
    result = loadFlowJson(input, { skipUnsupported: true, siteId });
  } catch (e) {
    const first = (e instanceof Error ? e.message : '').split('\n').slice(1, 2).join('').trim();
    throw new FriendlyError(`FlowLens cannot read that recording${first ? ` (${first})` : ''}. Export it again as JSON from Chrome DevTools → Recorder.`);
  }
  const { flow, warnings } = result;
  const fileOrigin = originOf(flow.startUrl);
  const extra = fileOrigin && fileOrigin !== origin ? [`It was recorded on ${fileOrigin}; this site is ${origin}. Replays rebase it with flowlens check --base-url.`] : [];
  await updateRecorderState((s) => ({
    ...s,
    siteId,
    origin,
    tabId: null,
    recordingId: crypto.randomUUID(),
    lastUrl: null,
    dirty: true,
    notice: null,
    draft: { name: flow.name, startUrl: flow.startUrl, critical: flow.critical, steps: flow.steps.map((step) => ({ uid: crypto.randomUUID(), step })) },
  }));
  return { warnings: [...warnings, ...extra] };
}
