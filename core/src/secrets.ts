/**
 * Secret placeholders. A recorded flow never holds a password or token: the value of such a step is
 * `{{secret:NAME}}`, and the crawler fills it in at replay time from the site's encrypted
 * credentials. Names are upper-case `[A-Z0-9_]+`, the same rule as the `site_credentials.name`
 * column, so a placeholder can always be matched to a stored credential.
 *
 * Nothing in this module ever puts a secret *value* into an error message.
 */

export const SECRET_NAME_PATTERN = /^[A-Z0-9_]+$/;

// Anything that looks like an attempt at a placeholder, valid or not, so typos can be reported.
const PLACEHOLDER_LIKE = /\{\{\s*secret\s*:([^}]*)\}\}/gi;
const EXACT_PLACEHOLDER = /^\{\{secret:([A-Z0-9_]+)\}\}$/;

export function isValidSecretName(name: string): boolean {
  return SECRET_NAME_PATTERN.test(name) && name.length <= 64;
}

/** `PASSWORD` → `{{secret:PASSWORD}}`. Throws for a name the credential store could never hold. */
export function formatSecretPlaceholder(name: string): string {
  if (!isValidSecretName(name)) {
    throw new Error(`"${name}" is not a valid secret name: use 1–64 upper-case letters, digits or _ (for example PASSWORD or API_TOKEN).`);
  }
  return `{{secret:${name}}}`;
}

/** The secret name when `value` is exactly one placeholder, otherwise null. */
export function parseSecretPlaceholder(value: string): string | null {
  const m = EXACT_PLACEHOLDER.exec(value);
  return m?.[1] ?? null;
}

/** Every well-formed secret name used in `value`, in order of first use, without duplicates. */
export function findSecretNames(value: string): string[] {
  const names: string[] = [];
  for (const m of value.matchAll(PLACEHOLDER_LIKE)) {
    const raw = m[0];
    const name = m[1] ?? '';
    if (raw === `{{secret:${name}}}` && isValidSecretName(name) && !names.includes(name)) names.push(name);
  }
  return names;
}

/** Placeholders that are almost right (`{{secret:password}}`, `{{ secret:X }}`): reported, never filled. */
export function findMalformedSecretPlaceholders(value: string): string[] {
  const bad: string[] = [];
  for (const m of value.matchAll(PLACEHOLDER_LIKE)) {
    const name = m[1] ?? '';
    if (m[0] !== `{{secret:${name}}}` || !isValidSecretName(name)) bad.push(m[0]);
  }
  return bad;
}

export function containsSecretPlaceholder(value: string): boolean {
  return findSecretNames(value).length > 0;
}

export type SecretLookup = Readonly<Record<string, string | undefined>> | ((name: string) => string | undefined);

/** Thrown by {@link fillSecrets}; carries the missing names only, never a value. */
export class MissingSecretError extends Error {
  override readonly name = 'MissingSecretError';
  readonly missing: readonly string[];

  constructor(missing: readonly string[]) {
    const list = missing.join(', ');
    super(
      `The flow needs the secret${missing.length === 1 ? '' : 's'} ${list}, which ${missing.length === 1 ? 'is' : 'are'} not set for this site. ` +
        `Add ${missing.length === 1 ? 'it' : 'them'} to the site's credentials (names are case-sensitive) and run the flow again.`,
    );
    this.missing = missing;
  }
}

/**
 * Replaces every `{{secret:NAME}}` in `value` with the looked-up secret, in one pass (a secret value
 * that itself contains a placeholder is inserted literally, never expanded). Throws
 * {@link MissingSecretError} naming every missing secret, and an Error for malformed placeholders,
 * rather than typing a half-filled value into a login form.
 */
export function fillSecrets(value: string, lookup: SecretLookup): string {
  const malformed = findMalformedSecretPlaceholders(value);
  if (malformed.length > 0) {
    throw new Error(
      `Malformed secret placeholder ${malformed.map((m) => JSON.stringify(m)).join(', ')}: write it as {{secret:NAME}} with NAME in upper-case letters, digits and _.`,
    );
  }
  const get = typeof lookup === 'function' ? lookup : (name: string) => (Object.hasOwn(lookup, name) ? lookup[name] : undefined);
  const missing = findSecretNames(value).filter((name) => get(name) === undefined);
  if (missing.length > 0) throw new MissingSecretError(missing);
  return value.replace(PLACEHOLDER_LIKE, (_match, name: string) => get(name) ?? '');
}

/**
 * The forms a typed secret can take once a page or a URL carries it on: as typed, percent-encoded
 * (a GET form puts it in the query string), form-encoded (`+` for spaces) and JSON-escaped (a page
 * that echoes it into a script or an API body).
 */
export function secretVariants(value: string): string[] {
  const variants = new Set<string>([value]);
  try {
    const encoded = encodeURIComponent(value);
    variants.add(encoded);
    variants.add(encoded.replace(/%20/g, '+'));
    variants.add(encoded.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  } catch {
    /* a lone surrogate cannot be encoded, so it cannot appear encoded either */
  }
  variants.add(JSON.stringify(value).slice(1, -1));
  return [...variants];
}

/**
 * Replaces occurrences of known secret values in free text (an error message, a console line, a
 * URL) by their placeholder, in every form {@link secretVariants} lists, longest first so one
 * secret that contains another is fully hidden. Values shorter than 4 characters are left alone:
 * redacting "a" everywhere would destroy the text and they are not meaningful secrets.
 */
export function redactSecretValues(text: string, secrets: Readonly<Record<string, string>>): string {
  const entries = Object.entries(secrets)
    .filter(([, v]) => v.length >= 4)
    .flatMap(([name, v]) => secretVariants(v).map((variant) => [name, variant] as const))
    .sort((a, b) => b[1].length - a[1].length);
  let out = text;
  for (const [name, v] of entries) out = out.split(v).join(`{{secret:${name}}}`);
  return out;
}

/**
 * {@link redactSecretValues} over every string of a JSON-like value (a report, a log record):
 * object keys included, structure kept. Returns the value itself when there is nothing to redact.
 */
export function redactSecretsDeep<T>(value: T, secrets: Readonly<Record<string, string>>): T {
  if (!Object.values(secrets).some((v) => v.length >= 4)) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactSecretValues(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) out[redactSecretValues(k, secrets)] = walk(inner);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
