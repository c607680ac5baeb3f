/**
 * The design tokens as values, for the places CSS classes cannot reach (chart strokes, SVG fills).
 * index.css holds the same values as Tailwind theme variables; theme.test.ts keeps both in step.
 */
export const tokens = {
  canvas: '#FAFAF9',
  surface: '#FFFFFF',
  ink: '#1A1A1A',
  muted: '#6B6B6B',
  accent: '#2563EB',
  success: '#16A34A',
  warning: '#EAB308',
  critical: '#DC2626',
  line: '#E5E5E3',
} as const;

export const severityColour = {
  P0: tokens.critical,
  P1: tokens.critical,
  P2: tokens.warning,
  P3: tokens.muted,
} as const;
