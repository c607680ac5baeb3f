import { describe, expect, it } from 'vitest';
import {
  fillSecrets,
  findMalformedSecretPlaceholders,
  findSecretNames,
  formatSecretPlaceholder,
  MissingSecretError,
  parseSecretPlaceholder,
  redactSecretValues,
  redactSecretsDeep,
} from './secrets.ts';

describe('secret placeholders', () => {
  it('formats and parses {{secret:NAME}}', () => {
    expect(formatSecretPlaceholder('PASSWORD')).toBe('{{secret:PASSWORD}}');
    expect(parseSecretPlaceholder('{{secret:API_TOKEN_2}}')).toBe('API_TOKEN_2');
    expect(parseSecretPlaceholder('x{{secret:A}}')).toBeNull();
    expect(parseSecretPlaceholder('{{secret:lower}}')).toBeNull();
    expect(() => formatSecretPlaceholder('password')).toThrow(/not a valid secret name: use 1–64 upper-case letters/);
    expect(() => formatSecretPlaceholder('')).toThrow();
  });

  it('finds names in order without duplicates, and reports near misses', () => {
    expect(findSecretNames('{{secret:USER}}:{{secret:PASS}}@{{secret:USER}}')).toEqual(['USER', 'PASS']);
    expect(findMalformedSecretPlaceholders('{{secret:pass}} {{ secret:X }} {{secret:OK}}')).toEqual(['{{secret:pass}}', '{{ secret:X }}']);
  });
});

describe('fillSecrets', () => {
  it('fills every placeholder from a record or a function', () => {
    expect(fillSecrets('{{secret:USER}} / {{secret:PASS}}', { USER: 'ann', PASS: 'hunter2' })).toBe('ann / hunter2');
    expect(fillSecrets('token {{secret:T}}', (n) => (n === 'T' ? 'abc' : undefined))).toBe('token abc');
    expect(fillSecrets('no secrets here', {})).toBe('no secrets here');
  });

  it('never expands a placeholder that is part of a secret value', () => {
    expect(fillSecrets('{{secret:A}}', { A: '{{secret:B}}', B: 'leak' })).toBe('{{secret:B}}');
  });

  it('names every missing secret and never prints values', () => {
    let error: unknown;
    try {
      fillSecrets('{{secret:USER}} {{secret:PASS}} {{secret:OTP}}', { USER: 'ann-the-user' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingSecretError);
    const e = error as MissingSecretError;
    expect(e.missing).toEqual(['PASS', 'OTP']);
    expect(e.message).toMatch(/needs the secrets PASS, OTP, which are not set for this site\. Add them to the site's credentials/);
    expect(e.message).not.toContain('ann-the-user');
  });

  it('refuses malformed placeholders instead of typing them', () => {
    expect(() => fillSecrets('{{secret:pass}}', { PASS: 'x' })).toThrow(/Malformed secret placeholder "\{\{secret:pass\}\}"/);
  });

  it('does not treat an inherited property as a secret', () => {
    expect(() => fillSecrets('{{secret:CONSTRUCTOR}}', {})).toThrow(MissingSecretError);
  });
});

describe('redactSecretValues', () => {
  it('replaces secret values, longest first, and ignores tiny ones', () => {
    const text = 'login failed for ann with hunter2 and hunter2-extra; a';
    expect(redactSecretValues(text, { P: 'hunter2', P2: 'hunter2-extra', X: 'a' })).toBe('login failed for ann with {{secret:P}} and {{secret:P2}}; a');
  });
});

describe('redacting secrets wherever they travel', () => {
  const secrets = { PASSWORD: 'p@ss word&1', TOKEN: 'tok-123456' };
  it('hides the typed, percent-encoded, form-encoded and JSON-escaped forms', () => {
    const url = `https://evil.example/search?q=${encodeURIComponent(secrets.PASSWORD)}&f=p%40ss+word%261`;
    expect(redactSecretValues(url, secrets)).toBe('https://evil.example/search?q={{secret:PASSWORD}}&f={{secret:PASSWORD}}');
    expect(redactSecretValues('{"p":"say \\"tok-123456\\""}', secrets)).toBe('{"p":"say \\"{{secret:TOKEN}}\\""}');
  });
  it('walks a whole report, keys included, and keeps its shape', () => {
    const report = { runs: [{ steps: [{ error: 'typed p@ss word&1 into the box', durationMs: 5 }] }], extra: { 'tok-123456': null }, ok: true };
    const out = redactSecretsDeep(report, secrets);
    expect(out).toEqual({ runs: [{ steps: [{ error: 'typed {{secret:PASSWORD}} into the box', durationMs: 5 }] }], extra: { '{{secret:TOKEN}}': null }, ok: true });
    expect(JSON.stringify(out)).not.toContain('tok-123456');
    expect(redactSecretsDeep(report, {})).toBe(report);
  });
});
