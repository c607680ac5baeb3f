/**
 * Recharts charts for the Trends page. This module is only reached through React.lazy, so
 * Recharts (the largest dependency) stays out of the initial bundle.
 *
 * Deploy markers are reference lines with a round handle on top; the handle is a keyboard-
 * reachable button (Enter/Space) that opens the list of bugs which appeared after that deploy.
 */
import type { KeyboardEvent } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { DeployEvent, HealthScoreDetail, Metric, PageMetricRow } from '../data/types.ts';
import { metricValue, METRIC_LABELS, shortDate, shortSha } from '../lib/format.ts';
import { severityColour, tokens } from '../theme.ts';

interface Common {
  from: number;
  to: number;
  deploys: DeployEvent[];
  selectedDeploy: string | null;
  onDeploy: (id: string) => void;
}

const axisStyle = { fontSize: 11, fill: tokens.muted };

function DeployHandle(props: { x1?: number; y1?: number; x2?: number; y2?: number; deploy: DeployEvent; selected: boolean; onDeploy: (id: string) => void }) {
  const { x1, y1, y2, deploy, selected, onDeploy } = props;
  if (x1 === undefined || y1 === undefined || y2 === undefined || !Number.isFinite(x1)) return <g />;
  const top = Math.min(y1, y2);
  const bottom = Math.max(y1, y2);
  const label = `Deploy ${shortSha(deploy.commit_sha)} on ${new Date(deploy.received_at).toLocaleString('en-GB')}: show the bugs that appeared after it`;
  const open = () => onDeploy(deploy.id);
  return (
    <g
      className="deploy-marker"
      data-deploy-id={deploy.id}
      role="button"
      tabIndex={0}
      aria-label={label}
      aria-pressed={selected}
      onClick={open}
      onKeyDown={(e: KeyboardEvent<SVGGElement>) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          open();
        }
      }}
      style={{ cursor: 'pointer', outline: 'none' }}
    >
      <title>{label}</title>
      <line x1={x1} x2={x1} y1={top} y2={bottom} stroke={selected ? tokens.accent : tokens.muted} strokeDasharray="3 3" strokeWidth={selected ? 2 : 1} />
      {/* A wide transparent hit area makes the thin line easy to click and tap. */}
      <rect x={x1 - 8} y={top - 14} width={16} height={bottom - top + 14} fill="transparent" />
      <circle cx={x1} cy={top - 6} r={6} fill={selected ? tokens.accent : tokens.surface} stroke={tokens.accent} strokeWidth={2} />
    </g>
  );
}

function deployLines({ deploys, selectedDeploy, onDeploy }: Common) {
  return deploys.map((d) => (
    <ReferenceLine
      key={d.id}
      x={new Date(d.received_at).getTime()}
      ifOverflow="hidden"
      shape={(p: { x1?: number; y1?: number; x2?: number; y2?: number }) => <DeployHandle {...p} deploy={d} selected={selectedDeploy === d.id} onDeploy={onDeploy} />}
    />
  ));
}

function timeAxis(from: number, to: number) {
  return <XAxis dataKey="t" type="number" scale="time" domain={[from, to]} tickFormatter={(v: number) => shortDate(v)} tick={axisStyle} stroke={tokens.line} minTickGap={24} />;
}

const tooltipStyle = { borderRadius: 8, border: `1px solid ${tokens.line}`, fontSize: 12 };

export function ScoreChart({ scores, ...common }: Common & { scores: HealthScoreDetail[] }) {
  const data = scores.map((s) => ({ t: new Date(s.computed_at).getTime(), score: s.score }));
  return (
    <ResponsiveContainer width="100%" height={240}>
      <LineChart data={data} margin={{ top: 20, right: 12, bottom: 0, left: -16 }} accessibilityLayer={false}>
        <CartesianGrid stroke={tokens.line} vertical={false} />
        {timeAxis(common.from, common.to)}
        <YAxis domain={[0, 100]} tick={axisStyle} stroke={tokens.line} width={44} />
        <Tooltip labelFormatter={(v) => new Date(Number(v)).toLocaleString('en-GB')} contentStyle={tooltipStyle} />
        <Line type="monotone" dataKey="score" name="Health score" stroke={tokens.accent} strokeWidth={2} dot={false} isAnimationActive={false} />
        {deployLines(common)}
      </LineChart>
    </ResponsiveContainer>
  );
}

export function BugCountChart({ scores, ...common }: Common & { scores: HealthScoreDetail[] }) {
  const data = scores.map((s) => ({
    t: new Date(s.computed_at).getTime(),
    P0: s.inputs.bugs?.P0 ?? 0,
    P1: s.inputs.bugs?.P1 ?? 0,
    P2: s.inputs.bugs?.P2 ?? 0,
    P3: s.inputs.bugs?.P3 ?? 0,
  }));
  return (
    <ResponsiveContainer width="100%" height={240}>
      <AreaChart data={data} margin={{ top: 20, right: 12, bottom: 0, left: -16 }} accessibilityLayer={false}>
        <CartesianGrid stroke={tokens.line} vertical={false} />
        {timeAxis(common.from, common.to)}
        <YAxis allowDecimals={false} tick={axisStyle} stroke={tokens.line} width={44} />
        <Tooltip labelFormatter={(v) => new Date(Number(v)).toLocaleString('en-GB')} contentStyle={tooltipStyle} />
        <Legend iconType="circle" wrapperStyle={{ fontSize: 12, color: tokens.ink }} />
        {(['P3', 'P2', 'P1', 'P0'] as const).map((s) => (
          <Area key={s} type="stepAfter" dataKey={s} stackId="bugs" stroke={severityColour[s]} fill={severityColour[s]} fillOpacity={s === 'P1' ? 0.25 : 0.45} isAnimationActive={false} />
        ))}
        {deployLines(common)}
      </AreaChart>
    </ResponsiveContainer>
  );
}

export function MetricChart({ rows, metric, ...common }: Common & { rows: PageMetricRow[]; metric: Metric }) {
  const data = rows.map((r) => ({ t: new Date(r.measured_at).getTime(), value: r[metric] }));
  return (
    <ResponsiveContainer width="100%" height={240}>
      <LineChart data={data} margin={{ top: 20, right: 12, bottom: 0, left: 4 }} accessibilityLayer={false}>
        <CartesianGrid stroke={tokens.line} vertical={false} />
        {timeAxis(common.from, common.to)}
        <YAxis tick={axisStyle} stroke={tokens.line} width={56} tickFormatter={(v: number) => metricValue(metric, v)} />
        <Tooltip labelFormatter={(v) => new Date(Number(v)).toLocaleString('en-GB')} formatter={(v) => metricValue(metric, Number(v))} contentStyle={tooltipStyle} />
        <Line type="monotone" dataKey="value" name={METRIC_LABELS[metric]} stroke={tokens.ink} strokeWidth={1.5} dot={false} connectNulls isAnimationActive={false} />
        {deployLines(common)}
      </LineChart>
    </ResponsiveContainer>
  );
}
