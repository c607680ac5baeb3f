/**
 * Settings → alerts (issue 18): Slack and webhook channels next to email, and the site's alert
 * policy. Owners and admins add, test, pause, re-point and remove channels and edit the policy;
 * members see both read-only. Nobody sees a channel's URL once saved (only its hint): the URL
 * field is write-only, like a password. Recent alert decisions show the policy in words next to
 * each alert ("sent because the Checkout flow failed 2 nights in a row").
 */
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import type { AlertChannelKind, ChannelTestAnswer } from '@flowlens/core/alerts';
import {
  addChannel,
  type AlertChannel,
  type AlertPolicy,
  type AlertSettingsData,
  channelSigningSecret,
  fetchAlertSettings,
  removeChannel,
  savePolicy,
  testChannel,
  updateChannel,
} from '../../data/alerts.ts';
import { policyProblems, policyWords } from '../../lib/alertPolicy.ts';
import { errorMessage } from '../../lib/errors.ts';
import { dateTime, relativeTime } from '../../lib/format.ts';
import { useDb } from '../../lib/supabase.tsx';
import { useResource, useResourceStore } from '../../stores/resources.ts';
import { toast } from '../../stores/toasts.ts';
import { Button, Card, cx, ErrorCard, Field, inputClass, SkeletonCard } from '../../components/ui.tsx';

const KIND_LABEL: Record<AlertChannelKind, string> = { slack: 'Slack', webhook: 'Webhook' };

export function AlertSettings({ siteId, timezone, canManage }: { siteId: string; timezone: string; canManage: boolean }) {
  const db = useDb();
  const key = `alerts:${siteId}`;
  const res = useResource(key, () => fetchAlertSettings(db, siteId));
  if (res.status === 'error' && !res.data) return <ErrorCard message={res.error ?? ''} onRetry={res.reload} title="Alert settings did not load" />;
  if (!res.data) return <SkeletonCard lines={4} label="Loading alert channels" />;
  const reload = () => useResourceStore.getState().invalidate(key);
  return (
    <>
      <Channels siteId={siteId} data={res.data} canManage={canManage} reload={reload} />
      <Policy siteId={siteId} timezone={timezone} data={res.data} canManage={canManage} reload={reload} />
    </>
  );
}

function TestResult({ result }: { result: ChannelTestAnswer }) {
  return (
    <p role="status" data-testid="channel-test-result" className={cx('mt-2 rounded-[8px] border px-3 py-2 text-xs', result.ok ? 'border-[#bbf7d0] bg-[#f0fdf4]' : 'border-[#fecaca] bg-[#fef2f2]')}>
      {result.ok ? 'Delivered. ' : 'Not delivered. '}
      {result.status !== null ? (
        <>
          The receiver answered <strong>{result.status}</strong>
          {result.answer ? (
            <>
              : <code className="metric">{result.answer}</code>
            </>
          ) : null}
        </>
      ) : (
        result.error
      )}
    </p>
  );
}

function ChannelRow({ channel, canManage, reload }: { channel: AlertChannel; canManage: boolean; reload: () => void }) {
  const db = useDb();
  const [busy, setBusy] = useState<string | null>(null);
  const [result, setResult] = useState<ChannelTestAnswer | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [newUrl, setNewUrl] = useState<string | null>(null);

  async function act(what: string, fn: () => Promise<unknown>, done?: string) {
    setBusy(what);
    try {
      await fn();
      if (done) toast.success(done);
      reload();
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  async function runTest() {
    setBusy('test');
    setResult(null);
    try {
      setResult(await testChannel(db, channel.id));
      reload();
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  const toggle = (k: 'enabled' | 'instant' | 'daily' | 'weekly', text: string) => (
    <label className="inline-flex items-center gap-1.5 text-xs">
      <input
        type="checkbox"
        className="h-4 w-4 accent-[#2563EB]"
        aria-label={`${text} for ${channel.name}`}
        checked={channel[k]}
        disabled={!canManage || busy !== null}
        onChange={(e) => void act(k, () => updateChannel(db, channel.id, { [k]: e.target.checked }), 'Channel saved.')}
      />
      {text}
    </label>
  );

  return (
    <li className="py-3" data-testid="alert-channel">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="min-w-0">
          <span className="font-medium">{channel.name}</span>{' '}
          <span className="text-xs text-muted">· {KIND_LABEL[channel.kind]} · </span>
          <code className="metric text-xs text-muted" data-testid="channel-url-hint">
            {channel.url_hint}
          </code>
        </div>
        <span
          data-testid="channel-status"
          className={cx('inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium', channel.status === 'failing' ? 'bg-[#fee2e2] text-[#991b1b]' : channel.enabled ? 'bg-[#dcfce7] text-[#166534]' : 'bg-[#f4f4f2] text-muted')}
        >
          {channel.status === 'failing' ? 'Failing' : channel.enabled ? 'Working' : 'Paused'}
        </span>
      </div>
      {channel.status === 'failing' && (
        <p className="mt-1 text-xs text-[#991b1b]">
          Failing since {dateTime(channel.failing_since)}: {channel.last_error ?? 'the receiver keeps refusing'}. Fix the URL, then send a test.
        </p>
      )}
      <p className="mt-1 text-xs text-muted">
        {channel.last_success_at ? `Last delivered ${relativeTime(channel.last_success_at)}.` : 'Nothing delivered yet.'}
        {channel.last_test_at ? ` Last tested ${relativeTime(channel.last_test_at)}.` : ''}
      </p>
      <div className="mt-2 flex flex-wrap items-center gap-3">
        {toggle('enabled', 'On')}
        {toggle('instant', 'Instant alerts')}
        {toggle('daily', 'Daily briefing')}
        {toggle('weekly', 'Weekly summary')}
      </div>
      {canManage && (
        <div className="mt-2 flex flex-wrap gap-2">
          <Button variant="ghost" busy={busy === 'test'} onClick={() => void runTest()} aria-label={`Send a test to ${channel.name}`}>
            Send a test
          </Button>
          {channel.kind === 'webhook' && (
            <Button
              variant="ghost"
              busy={busy === 'secret'}
              onClick={() => (secret ? setSecret(null) : void act('secret', async () => setSecret(await channelSigningSecret(db, channel.id))))}
              aria-pressed={secret !== null}
            >
              {secret ? 'Hide signing secret' : 'Show signing secret'}
            </Button>
          )}
          <Button variant="ghost" onClick={() => setNewUrl(newUrl === null ? '' : null)}>
            Replace URL
          </Button>
          <Button variant="ghost" busy={busy === 'remove'} onClick={() => void act('remove', () => removeChannel(db, channel.id), `Removed ${channel.name}.`)} aria-label={`Remove ${channel.name}`}>
            Remove
          </Button>
        </div>
      )}
      {secret && (
        <p className="mt-2 text-xs">
          Signing secret (HMAC-SHA256 key for <code className="metric">X-FlowLens-Signature</code>):{' '}
          <code className="metric break-all rounded bg-[#f4f4f2] px-1" data-testid="channel-signing-secret">
            {secret}
          </code>
        </p>
      )}
      {newUrl !== null && (
        <form
          className="mt-2 flex flex-col gap-2 sm:flex-row sm:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            void act('url', () => updateChannel(db, channel.id, { url: newUrl.trim() }), 'URL replaced.').then(() => setNewUrl(null));
          }}
        >
          <div className="flex-1">
            <Field label={`New URL for ${channel.name}`} htmlFor={`url-${channel.id}`}>
              <input id={`url-${channel.id}`} type="url" autoComplete="off" className={inputClass} value={newUrl} onChange={(e) => setNewUrl(e.target.value)} />
            </Field>
          </div>
          <Button type="submit" disabled={!newUrl.trim()} busy={busy === 'url'}>
            Save URL
          </Button>
        </form>
      )}
      {result && <TestResult result={result} />}
    </li>
  );
}

function Channels({ siteId, data, canManage, reload }: { siteId: string; data: AlertSettingsData; canManage: boolean; reload: () => void }) {
  const db = useDb();
  const [kind, setKind] = useState<AlertChannelKind>('slack');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function add(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await addChannel(db, { siteId, kind, name, url, instant: true, daily: true, weekly: false });
      toast.success(`Added ${name.trim()}. Send a test to check it.`);
      setName('');
      setUrl('');
      reload();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Slack and webhooks" labelledBy="channels-title">
      <p className="mb-3 text-sm text-muted">
        Alerts and briefings also go to these channels, once each. A Slack channel takes an incoming-webhook URL; a webhook receives a signed JSON body (see docs/alert-channels.md). URLs are secrets: once saved nobody can read them
        back, only replace them.
      </p>
      {data.channels.length === 0 ? (
        <p className="text-sm text-muted">No channels yet: alerts go by email only.</p>
      ) : (
        <ul className="divide-y divide-line text-sm">
          {data.channels.map((c) => (
            <ChannelRow key={c.id} channel={c} canManage={canManage} reload={reload} />
          ))}
        </ul>
      )}
      {canManage && (
        <form className="mt-4 grid gap-2 sm:grid-cols-[auto_1fr_2fr_auto] sm:items-end" onSubmit={add}>
          <Field label="Channel kind" htmlFor="c-kind">
            <select id="c-kind" className={inputClass} value={kind} onChange={(e) => setKind(e.target.value === 'webhook' ? 'webhook' : 'slack')}>
              <option value="slack">Slack</option>
              <option value="webhook">Webhook</option>
            </select>
          </Field>
          <Field label="Channel name" htmlFor="c-name">
            <input id="c-name" className={inputClass} value={name} maxLength={80} onChange={(e) => setName(e.target.value)} placeholder="#ops-alerts" />
          </Field>
          <Field label="Channel URL" htmlFor="c-url">
            <input
              id="c-url"
              type="url"
              autoComplete="off"
              className={inputClass}
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder={kind === 'slack' ? 'https://hooks.slack.com/services/…' : 'https://example.com/flowlens-hook'}
            />
          </Field>
          <Button type="submit" disabled={!name.trim() || !url.trim()} busy={busy}>
            Add channel
          </Button>
        </form>
      )}
      {error && (
        <p role="alert" className="mt-2 text-sm text-[#991b1b]">
          {error}
        </p>
      )}
    </Card>
  );
}

const DECISION_TEXT: Record<string, string> = { sent: 'Sent', held: 'Held', suppressed: 'Not sent', flapping: 'Flapping' };

function Policy({ siteId, timezone, data, canManage, reload }: { siteId: string; timezone: string; data: AlertSettingsData; canManage: boolean; reload: () => void }) {
  const db = useDb();
  const [p, setP] = useState<AlertPolicy>(data.policy);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const int = (v: string) => (v.trim() === '' ? Number.NaN : Number(v));

  async function save(e: FormEvent) {
    e.preventDefault();
    const problems = policyProblems(p);
    setErrors(problems);
    if (problems.length) return;
    setBusy(true);
    try {
      await savePolicy(db, siteId, p);
      toast.success('Alert policy saved.');
      reload();
    } catch (err) {
      setErrors([errorMessage(err)]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Alert policy" labelledBy="policy-title">
      {/* noValidate: policyProblems lists every problem at once instead of the browser's first. */}
      <form onSubmit={save} noValidate>
        <fieldset disabled={!canManage} className="space-y-3 text-sm">
          <legend className="sr-only">When to alert</legend>
          <label className="flex items-center gap-2">
            <input type="radio" name="mode" className="accent-[#2563EB]" checked={p.mode === 'immediate'} onChange={() => setP({ ...p, mode: 'immediate' })} />
            Alert at once on a new or returning P0/P1 bug
          </label>
          <div className="flex flex-wrap items-center gap-2">
            <label className="flex items-center gap-2">
              <input type="radio" name="mode" className="accent-[#2563EB]" checked={p.mode === 'consecutive'} onChange={() => setP({ ...p, mode: 'consecutive' })} />
              Alert only after it was seen in
            </label>
            <input
              aria-label="Runs in a row"
              type="number"
              min={2}
              max={10}
              className={cx(inputClass, 'w-20')}
              value={Number.isNaN(p.consecutive_runs) ? '' : p.consecutive_runs}
              onChange={(e) => setP({ ...p, consecutive_runs: int(e.target.value) })}
            />
            runs in a row
          </div>
          <div className="flex flex-wrap items-center gap-2">
            <label className="flex items-center gap-2">
              <input type="checkbox" className="h-4 w-4 accent-[#2563EB]" checked={p.flap_flips !== null} onChange={(e) => setP({ ...p, flap_flips: e.target.checked ? 4 : null })} />
              Report a flow that flips between passed and failed
            </label>
            <input
              aria-label="Flips before flapping"
              type="number"
              min={2}
              max={20}
              className={cx(inputClass, 'w-20')}
              disabled={p.flap_flips === null}
              value={p.flap_flips === null || Number.isNaN(p.flap_flips) ? '' : p.flap_flips}
              onChange={(e) => setP({ ...p, flap_flips: int(e.target.value) })}
            />
            times in
            <input
              aria-label="Flapping window in days"
              type="number"
              min={1}
              max={30}
              className={cx(inputClass, 'w-20')}
              disabled={p.flap_flips === null}
              value={Number.isNaN(p.flap_window_days) ? '' : p.flap_window_days}
              onChange={(e) => setP({ ...p, flap_window_days: int(e.target.value) })}
            />
            days once, as flapping
          </div>
          <div className="flex flex-wrap items-center gap-2">
            <label className="flex items-center gap-2">
              <input
                type="checkbox"
                className="h-4 w-4 accent-[#2563EB]"
                checked={p.quiet_start !== null}
                onChange={(e) => setP({ ...p, quiet_start: e.target.checked ? '22:00' : null, quiet_end: e.target.checked ? '07:00' : null })}
              />
              Quiet hours from
            </label>
            <input aria-label="Quiet from" type="time" className={cx(inputClass, 'w-32')} disabled={p.quiet_start === null} value={p.quiet_start ?? ''} onChange={(e) => setP({ ...p, quiet_start: e.target.value || null })} />
            to
            <input aria-label="Quiet until" type="time" className={cx(inputClass, 'w-32')} disabled={p.quiet_start === null} value={p.quiet_end ?? ''} onChange={(e) => setP({ ...p, quiet_end: e.target.value || null })} />
            <span>({timezone}): only P0 alerts then; the rest wait for the 09:00 briefing</span>
          </div>
        </fieldset>
        <p className="mt-3 rounded-[8px] bg-[#f4f4f2] px-3 py-2 text-sm" data-testid="policy-words">
          {policyWords(p, timezone)}
        </p>
        {errors.length > 0 && (
          <ul role="alert" className="mt-2 list-disc pl-5 text-sm text-[#991b1b]">
            {errors.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
        {canManage && (
          <Button type="submit" variant="primary" className="mt-3" busy={busy}>
            Save policy
          </Button>
        )}
      </form>
      <h3 className="mt-5 mb-1 text-sm font-semibold">Recent alerts and why</h3>
      {data.decisions.length === 0 ? (
        <p className="text-sm text-muted">No alert-worthy bugs yet.</p>
      ) : (
        <ul className="divide-y divide-line text-sm" data-testid="alert-decisions">
          {data.decisions.map((d) => (
            <li key={d.id} className="py-2">
              <span className="mr-2 inline-flex rounded-full bg-[#f4f4f2] px-2 py-0.5 text-xs font-medium">{DECISION_TEXT[d.decision] ?? d.decision}</span>
              {d.bug_id ? (
                <Link className="font-medium hover:underline" to={`/sites/${siteId}/bugs/${d.bug_id}`}>
                  {d.bug?.title ?? 'A bug'}
                </Link>
              ) : (
                <span className="font-medium">{d.flow?.name ?? 'A flow'}</span>
              )}
              <span className="block text-xs text-muted">
                {d.reason} · {relativeTime(d.decided_at)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
