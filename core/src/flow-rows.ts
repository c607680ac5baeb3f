/**
 * Mapping between a core Step and a `flow_steps` row (supabase/migrations/…_flows.sql): the
 * queryable, user-edited parts are columns (action, label, label_source, label_confidence,
 * instruction, screenshot_path) and everything else is the `data` jsonb. The extension and the
 * dashboard save through `save_flow(payload)`; the crawler and the overlay load rows back. Keeping
 * the split here means the two directions cannot drift apart.
 */
import { parseWith } from './validation.ts';
import { FlowSchema, StepSchema, type Flow, type LabelSource, type Step, type StepAction } from './flow.ts';

/** The per-step shape `save_flow` takes and `flow_steps` stores. */
export interface StepRow {
  action: StepAction;
  data: Record<string, unknown>;
  label: string;
  label_source: LabelSource;
  label_confidence: number | null;
  instruction: string | null;
  screenshot_path: string | null;
}

/** The `save_flow(payload)` argument for a flow. */
export interface SaveFlowPayload {
  id?: string;
  site_id: string;
  name: string;
  start_url: string;
  critical: boolean;
  schema_version: number;
  source?: 'extension' | 'import' | 'api';
  steps: StepRow[];
}

export function stepToRow(step: Step): StepRow {
  const { action, label, labelSource, labelConfidence, instruction, screenshot, id: _id, ...data } = step;
  return {
    action,
    data,
    label,
    label_source: labelSource,
    label_confidence: labelConfidence ?? null,
    instruction: instruction ?? null,
    screenshot_path: screenshot ?? null,
  };
}

/** A row back into a validated Step; `id` is the row's id. Throws a ValidationError naming bad fields. */
export function stepFromRow(row: StepRow & { id?: string }): Step {
  return parseWith(
    StepSchema,
    {
      ...row.data,
      action: row.action,
      label: row.label,
      labelSource: row.label_source,
      ...(row.label_confidence !== null ? { labelConfidence: row.label_confidence } : {}),
      ...(row.instruction !== null ? { instruction: row.instruction } : {}),
      ...(row.screenshot_path !== null ? { screenshot: row.screenshot_path } : {}),
      ...(row.id !== undefined ? { id: row.id } : {}),
    },
    `Stored step${row.id ? ` ${row.id}` : ''}`,
  );
}

export function flowToSavePayload(flow: Flow, siteId: string, source?: SaveFlowPayload['source']): SaveFlowPayload {
  return {
    ...(flow.id ? { id: flow.id } : {}),
    site_id: siteId,
    name: flow.name,
    start_url: flow.startUrl,
    critical: flow.critical,
    schema_version: flow.schemaVersion,
    ...(source ? { source } : {}),
    steps: flow.steps.map(stepToRow),
  };
}

/** A `flows` row and its `flow_steps` rows (in position order) back into a validated Flow. */
export function flowFromRows(
  flow: { id: string; site_id: string; name: string; start_url: string; critical: boolean; schema_version: number },
  steps: readonly (StepRow & { id?: string; position: number })[],
): Flow {
  const ordered = [...steps].sort((a, b) => a.position - b.position);
  return parseWith(
    FlowSchema,
    {
      schemaVersion: flow.schema_version,
      id: flow.id,
      siteId: flow.site_id,
      name: flow.name,
      startUrl: flow.start_url,
      critical: flow.critical,
      steps: ordered.map((row) => stepFromRow(row)),
    },
    `Stored flow ${flow.id}`,
  );
}
