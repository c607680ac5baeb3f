/**
 * Turning zod failures into one message that lists every problem with its path, so a user fixing a
 * flow or report file sees all of them at once instead of one per attempt (the checkly-cli way).
 */
import type { z } from 'zod';

export interface ValidationIssue {
  /** Where the problem is, e.g. `steps[3].selectors` (empty string for the document itself). */
  path: string;
  message: string;
}

/** Thrown by the `parse*` functions; `issues` holds every problem found, `message` lists them. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  readonly subject: string;
  readonly issues: readonly ValidationIssue[];

  constructor(subject: string, issues: readonly ValidationIssue[], hint?: string) {
    const lines = issues.map((i) => `  - ${i.path === '' ? '(top level)' : i.path}: ${i.message}`);
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`${subject} is invalid (${count}):\n${lines.join('\n')}${hint ? `\n${hint}` : ''}`);
    this.subject = subject;
    this.issues = issues;
  }
}

/** `['steps', 3, 'selectors']` → `steps[3].selectors`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  return typeof input === 'object' ? 'an object' : typeof input;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Error map for zod: plain sentences instead of zod's defaults ("Invalid input: expected string,
 * received undefined" becomes "is required"). Messages set on a schema take precedence over this.
 */
export function friendlyZodMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}, got ${describeInput(issue.input)}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${plural(min, 'character')}`;
      if (issue.origin === 'array') return `must have at least ${plural(min, 'item')}`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${plural(max, 'character')}`;
      if (issue.origin === 'array') return `must have at most ${plural(max, 'item')}`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${max}`;
    }
    case 'invalid_value':
      return `must be ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    case 'invalid_union':
      return 'does not match any of the allowed shapes';
    case 'unrecognized_keys':
      return `has unknown field(s) ${issue.keys.join(', ')}`;
    default:
      return undefined;
  }
}

export function issuesFrom(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

export type SafeParseResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/** Parses with the friendly error map; never throws. */
export function safeParseWith<S extends z.ZodType>(schema: S, input: unknown): SafeParseResult<z.output<S>> {
  const result = schema.safeParse(input, { error: friendlyZodMessage });
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: issuesFrom(result.error) };
}

/** Parses with the friendly error map; throws a {@link ValidationError} listing every problem. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, subject: string, hint?: string): z.output<S> {
  const result = safeParseWith(schema, input);
  if (!result.ok) throw new ValidationError(subject, result.issues, hint);
  return result.value;
}
