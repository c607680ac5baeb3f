/**
 * Text similarity for healing: how alike two short UI strings are ("Add to cart" vs "Add to
 * basket"). Pure and deterministic. Digits are folded to '#' first so prices, counts and dates
 * ("$20" vs "$25", "3 left") do not make the same element look different from night to night.
 */

/**
 * Lower-case, Unicode-normalised, digits folded to '#', hyphens and apostrophes inside words
 * dropped ("E-mail" = "Email", "Don't" = "Dont"), whitespace collapsed.
 */
export function foldText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/(\p{L})[-'\u2019\u2010\u2011](?=\p{L})/gu, '$1')
    .replace(/\d+/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Word tokens of folded text (letters, digits-as-#). */
export function tokens(text: string): string[] {
  return foldText(text).match(/[\p{L}\p{N}#]+/gu) ?? [];
}

/** Character trigrams of folded text, padded so short words still produce some. */
export function trigrams(text: string): string[] {
  const s = ` ${foldText(text)} `;
  const out: string[] = [];
  for (let i = 0; i + 3 <= s.length; i++) out.push(s.slice(i, i + 3));
  return out;
}

/** Sørensen–Dice coefficient over multisets: 2·|A∩B| / (|A|+|B|). Both empty → 1. */
export function dice(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const x of a) counts.set(x, (counts.get(x) ?? 0) + 1);
  let common = 0;
  for (const x of b) {
    const c = counts.get(x) ?? 0;
    if (c > 0) {
      common++;
      counts.set(x, c - 1);
    }
  }
  return (2 * common) / (a.length + b.length);
}

/**
 * Similarity of two strings in [0, 1], or null when neither has any text (no evidence either way).
 * The larger of word-level and trigram-level Dice: words catch reordering and substitutions
 * ("Add to cart" / "Add to basket" = 0.67), trigrams catch small spelling changes ("Sign-in" /
 * "Sign in").
 */
export function textSimilarity(a: string, b: string): number | null {
  const fa = foldText(a);
  const fb = foldText(b);
  if (fa === '' && fb === '') return null;
  if (fa === fb) return 1;
  if (fa === '' || fb === '') return 0;
  return Math.max(dice(tokens(fa), tokens(fb)), dice(trigrams(fa), trigrams(fb)));
}

/** Cut to `max` characters on a word boundary where possible, with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}
