/**
 * Page structure: a fingerprint of what a page is made of (element, form, call-to-action and image
 * counts, and a hash of its landmark and heading skeleton) kept per page in the site graph. A page
 * whose skeleton changed and whose counts moved noticeably since the stored fingerprint is reported
 * as changed — a missing section or form is often the first sign of a broken deploy.
 */
import { createHash } from 'node:crypto';
import type { Page } from 'playwright';
import { z } from 'zod';
import { call, isolatedWorld } from './isolated-world.ts';
import type { Finding } from './types.ts';
import type { ViewportName } from '../browser/viewports.ts';

export interface PageFingerprint {
  elements: number;
  forms: number;
  ctas: number;
  images: number;
  structureHash: string;
}

/** Reads the counts and the landmark/heading skeleton, in the detectors' isolated world. */
const SKELETON_SCRIPT = () => {
  const skeletonTags = new Set(['HEADER', 'NAV', 'MAIN', 'SECTION', 'ARTICLE', 'ASIDE', 'FOOTER', 'FORM', 'H1', 'H2', 'H3', 'TABLE', 'DIALOG']);
  const skeleton: string[] = [];
  const walk = (el: Element, depth: number) => {
    for (const child of Array.from(el.children)) {
      if (skeletonTags.has(child.tagName)) {
        skeleton.push(`${depth}:${child.tagName.toLowerCase()}`);
        walk(child, depth + 1);
      } else walk(child, depth);
    }
  };
  if (document.body) walk(document.body, 0);
  return {
    elements: document.body ? document.body.getElementsByTagName('*').length : 0,
    forms: document.forms.length,
    ctas: document.querySelectorAll('button, [role="button"], input[type="submit"], input[type="button"], a.button, a.btn, a[class*="cta"]').length,
    images: document.images.length,
    skeleton: skeleton.join('|'),
  };
};

const RawSchema = z.object({ elements: z.number().int().nonnegative(), forms: z.number().int().nonnegative(), ctas: z.number().int().nonnegative(), images: z.number().int().nonnegative(), skeleton: z.string() });

function parseSkeleton(raw: unknown): z.infer<typeof RawSchema> {
  const parsed = RawSchema.safeParse(raw);
  if (!parsed.success) throw new Error('the page structure could not be read');
  return parsed.data;
}

export async function fingerprintPage(page: Page): Promise<PageFingerprint> {
  const raw = await isolatedWorld(page).evaluate(call(SKELETON_SCRIPT)).then(parseSkeleton);
  return {
    elements: raw.elements,
    forms: raw.forms,
    ctas: raw.ctas,
    images: raw.images,
    structureHash: createHash('sha256').update(raw.skeleton).digest('hex').slice(0, 16),
  };
}

/** Significant change: a new skeleton and counts that moved beyond everyday content churn. */
export function structureChange(before: PageFingerprint, after: PageFingerprint): string | null {
  if (before.structureHash === after.structureHash) return null;
  const changes: string[] = [];
  if (before.forms !== after.forms) changes.push(`forms ${before.forms} → ${after.forms}`);
  if (Math.abs(before.ctas - after.ctas) >= Math.max(2, before.ctas * 0.3)) changes.push(`buttons ${before.ctas} → ${after.ctas}`);
  if (Math.abs(before.elements - after.elements) >= Math.max(20, before.elements * 0.25)) changes.push(`elements ${before.elements} → ${after.elements}`);
  if (Math.abs(before.images - after.images) >= Math.max(3, before.images * 0.5)) changes.push(`images ${before.images} → ${after.images}`);
  return changes.length > 0 ? `The page's structure changed since the last crawl (${changes.join(', ')})` : null;
}

export function pageChangedFinding(url: string, viewport: ViewportName, message: string): Finding {
  return { type: 'page_changed', pageUrl: url, viewport, message };
}
