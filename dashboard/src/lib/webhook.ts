/**
 * Copy-paste examples for the deploy webhook, exactly the contract of docs/edge-functions.md and
 * supabase/functions/deploy-webhook: `POST /functions/v1/deploy-webhook/<site>` with
 * `Content-Type: application/json`, `X-FlowLens-Timestamp: <unix seconds>` and
 * `X-FlowLens-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" keyed with the
 * webhook secret>`, body `{ "commit_sha", "branch", "environment", "timestamp" (ISO 8601) }`.
 * webhook.test.ts runs both examples with bash and openssl and checks the signature; the
 * end-to-end test runs the curl example against the real function.
 */

export function webhookUrl(supabaseUrl: string, siteId: string): string {
  return `${supabaseUrl.replace(/\/+$/, '')}/functions/v1/deploy-webhook/${siteId}`;
}

/** Single-quoted for POSIX shells (a ' inside becomes '\''). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function curlExample(opts: { supabaseUrl: string; siteId: string; secret: string }): string {
  return [
    `FLOWLENS_WEBHOOK_SECRET=${shellQuote(opts.secret)}`,
    `BODY=$(printf '{"commit_sha":"%s","branch":"%s","environment":"production","timestamp":"%s"}' "$(git rev-parse HEAD)" "$(git rev-parse --abbrev-ref HEAD)" "$(date -u +%FT%TZ)")`,
    `TS=$(date +%s)`,
    `SIG=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$FLOWLENS_WEBHOOK_SECRET" -r | cut -d' ' -f1)`,
    `curl -fsS -X POST ${shellQuote(webhookUrl(opts.supabaseUrl, opts.siteId))} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "X-FlowLens-Timestamp: $TS" \\`,
    `  -H "X-FlowLens-Signature: sha256=$SIG" \\`,
    `  --data "$BODY"`,
  ].join('\n');
}

export function githubActionsExample(opts: { supabaseUrl: string; siteId: string }): string {
  return [
    `# .github/workflows/deploy.yml — after your deploy step`,
    `- name: Tell FlowLens about this deploy`,
    `  env:`,
    `    FLOWLENS_WEBHOOK_SECRET: \${{ secrets.FLOWLENS_WEBHOOK_SECRET }}`,
    `  run: |`,
    `    BODY=$(printf '{"commit_sha":"%s","branch":"%s","environment":"production","timestamp":"%s"}' "$GITHUB_SHA" "$GITHUB_REF_NAME" "$(date -u +%FT%TZ)")`,
    `    TS=$(date +%s)`,
    `    SIG=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$FLOWLENS_WEBHOOK_SECRET" -r | cut -d' ' -f1)`,
    `    curl -fsS -X POST ${shellQuote(webhookUrl(opts.supabaseUrl, opts.siteId))} \\`,
    `      -H 'Content-Type: application/json' \\`,
    `      -H "X-FlowLens-Timestamp: $TS" \\`,
    `      -H "X-FlowLens-Signature: sha256=$SIG" \\`,
    `      --data "$BODY"`,
  ].join('\n');
}

export function maskSecret(secret: string): string {
  if (secret.length <= 10) return '•'.repeat(secret.length);
  return `${secret.slice(0, 6)}${'•'.repeat(24)}${secret.slice(-4)}`;
}
