// @vitest-environment node
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tokens } from './theme.ts';

// The design tokens the issue lists, exactly.
const ISSUE_TOKENS = {
  canvas: '#FAFAF9',
  surface: '#FFFFFF',
  ink: '#1A1A1A',
  muted: '#6B6B6B',
  accent: '#2563EB',
  success: '#16A34A',
  warning: '#EAB308',
  critical: '#DC2626',
  line: '#E5E5E3',
};

describe('design tokens', () => {
  it('theme.ts holds the product brief values', () => {
    expect(tokens).toEqual(ISSUE_TOKENS);
  });

  it('index.css declares the same values as Tailwind theme colours, 8px radius and 200ms ease-out', () => {
    const css = readFileSync(fileURLToPath(new URL('./index.css', import.meta.url)), 'utf8').toLowerCase();
    for (const [name, hex] of Object.entries(ISSUE_TOKENS)) expect(css).toContain(`--color-${name}: ${hex.toLowerCase()};`);
    expect(css).toContain('--radius-card: 8px;');
    expect(css).toContain('--default-transition-duration: 200ms;');
    expect(css).toContain('--default-transition-timing-function: cubic-bezier(0, 0, 0.2, 1);');
    // No font CDN: the product runs offline.
    expect(css).not.toMatch(/@import\s+url\(|fonts\.googleapis|https?:\/\//);
  });
});
