/**
 * A dependency-free SVG sparkline for the site home (Recharts stays out of the initial bundle).
 * Points are plotted on a time axis, so gaps between runs show as gaps in time.
 */
import { tokens } from '../theme.ts';

export interface SparkPoint {
  t: number;
  value: number;
}

export function sparklinePath(points: SparkPoint[], width: number, height: number, min = 0, max = 100, pad = 2): string {
  if (points.length === 0) return '';
  const t0 = points[0]!.t;
  const t1 = points[points.length - 1]!.t;
  const span = t1 - t0 || 1;
  const range = max - min || 1;
  return points
    .map((p, i) => {
      const x = points.length === 1 ? width / 2 : pad + ((p.t - t0) / span) * (width - 2 * pad);
      const y = pad + (1 - (Math.min(max, Math.max(min, p.value)) - min) / range) * (height - 2 * pad);
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

export function Sparkline({ points, width = 220, height = 48, label }: { points: SparkPoint[]; width?: number; height?: number; label: string }) {
  if (points.length === 0) return null;
  const values = points.map((p) => p.value);
  const lo = Math.max(0, Math.min(...values) - 5);
  const hi = Math.min(100, Math.max(...values) + 5);
  const d = sparklinePath(points, width, height, lo, hi);
  const last = d.split(' ').pop()!.slice(1).split(',').map(Number);
  return (
    <svg role="img" aria-label={label} width={width} height={height} viewBox={`0 0 ${width} ${height}`} className="max-w-full overflow-visible">
      <path d={d} fill="none" stroke={tokens.accent} strokeWidth="2" strokeLinejoin="round" strokeLinecap="round" />
      {last.length === 2 && <circle cx={last[0]} cy={last[1]} r="3" fill={tokens.accent} />}
    </svg>
  );
}
