/**
 * Site settings: address and allowed origins, schedule, time zone and viewports; who gets emails
 * and which; Slack/webhook alert channels and the alert policy (AlertSettings.tsx); the deploy webhook secret (reveal, rotate) with copy-paste examples; members and
 * invitations; credentials flows type (Credentials.tsx). What a role may change is decided by RLS; the page shows it read-only otherwise.
 */
import { useMemo, useState, type FormEvent } from 'react';
import {
  addRecipient,
  changeRole,
  inviteMember,
  removeMember,
  removeRecipient,
  resendConfirmation,
  revokeInvitation,
  rotateWebhookSecret,
  updateRecipient,
  updateSite,
} from '../../data/mutations.ts';
import { fetchSettings, type SettingsData } from '../../data/queries.ts';
import { VIEWPORTS, type MemberRole, type Recipient, type Site, type Viewport } from '../../data/types.ts';
import { errorMessage } from '../../lib/errors.ts';
import { dateTime, relativeTime } from '../../lib/format.ts';
import { useConfig, useDb } from '../../lib/supabase.tsx';
import { curlExample, githubActionsExample, maskSecret, webhookUrl } from '../../lib/webhook.ts';
import { useResource, useResourceStore } from '../../stores/resources.ts';
import { useSessionStore } from '../../stores/session.ts';
import { toast } from '../../stores/toasts.ts';
import { useSiteContext } from '../../components/SiteLayout.tsx';
import { Button, Card, cx, ErrorCard, Field, inlineInputClass, inputClass, PageHeader, SkeletonCard } from '../../components/ui.tsx';
import { AlertSettings } from './AlertSettings.tsx';
import { Credentials } from './Credentials.tsx';

const DAYS = [
  [1, 'Mon'],
  [2, 'Tue'],
  [3, 'Wed'],
  [4, 'Thu'],
  [5, 'Fri'],
  [6, 'Sat'],
  [7, 'Sun'],
] as const;

export function parseOrigins(text: string): string[] {
  return Array.from(
    new Set(
      text
        .split(/[\s,]+/)
        .map((s) => s.trim().replace(/\/+$/, ''))
        .filter(Boolean),
    ),
  );
}

function timezones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return Array.from(new Set([current, 'UTC', ...all]));
}

export function SettingsPage() {
  const ctx = useSiteContext();
  const db = useDb();
  const settings = useResource(`settings:${ctx.site.id}`, () => fetchSettings(db, ctx.site, ctx.isAdmin));
  return (
    <div>
      <PageHeader title="Settings" subtitle={ctx.isAdmin ? undefined : `You are a ${ctx.role ?? 'member'} of ${ctx.organizationName}: owners and admins change these settings; you can change your own email preferences.`} />
      <div className="space-y-4">
        <SiteForm site={ctx.site} canEdit={ctx.isAdmin} />
        <Credentials siteId={ctx.site.id} canManage={ctx.isAdmin} />
        {settings.status === 'error' && !settings.data ? (
          <ErrorCard message={settings.error ?? ''} onRetry={settings.reload} />
        ) : !settings.data ? (
          <>
            <SkeletonCard lines={4} label="Loading recipients" />
            <SkeletonCard lines={4} label="Loading members" />
          </>
        ) : (
          <>
            <Recipients siteId={ctx.site.id} data={settings.data} canManage={ctx.isAdmin} />
            <AlertSettings siteId={ctx.site.id} timezone={ctx.site.timezone} canManage={ctx.isAdmin} />
            {ctx.isAdmin && <Webhook siteId={ctx.site.id} data={settings.data} />}
            <Members orgId={ctx.site.organization_id} siteId={ctx.site.id} data={settings.data} role={ctx.role} />
          </>
        )}
      </div>
    </div>
  );
}

function SiteForm({ site, canEdit }: { site: Site; canEdit: boolean }) {
  const db = useDb();
  const [name, setName] = useState(site.name);
  const [baseUrl, setBaseUrl] = useState(site.base_url);
  const [origins, setOrigins] = useState(site.allowed_origins.join('\n'));
  const [enabled, setEnabled] = useState(site.crawl_enabled);
  const [time, setTime] = useState(site.crawl_time.slice(0, 5));
  const [days, setDays] = useState<number[]>(site.crawl_days);
  const [tz, setTz] = useState(site.timezone);
  const [viewports, setViewports] = useState<Viewport[]>(site.viewports);
  const [discover, setDiscover] = useState(String(site.discover_pages));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const zones = useMemo(() => timezones(site.timezone), [site.timezone]);

  async function save(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const updated = await updateSite(db, site.id, {
        name: name.trim(),
        base_url: baseUrl.trim().replace(/\/+$/, ''),
        allowed_origins: parseOrigins(origins),
        crawl_enabled: enabled,
        crawl_time: time,
        crawl_days: [...days].sort(),
        timezone: tz,
        viewports: VIEWPORTS.filter((v) => viewports.includes(v)),
        discover_pages: Number.parseInt(discover, 10) || 0,
      });
      useResourceStore.getState().patch<{ site: Site }>(`site:${site.id}`, (d) => ({ ...d, site: updated }));
      useResourceStore.getState().invalidate('overview');
      toast.success('Settings saved.');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const toggle = <T,>(list: T[], v: T) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v]);

  return (
    <Card title="Site and schedule" labelledBy="site-settings">
      <form onSubmit={save}>
        <fieldset disabled={!canEdit} className="grid grid-cols-1 gap-4 md:grid-cols-2">
          <legend className="sr-only">Site and schedule</legend>
          <Field label="Name" htmlFor="s-name">
            <input id="s-name" className={inputClass} value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label="Site URL" htmlFor="s-url" hint="Where crawls start.">
            <input id="s-url" className={inputClass} type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} />
          </Field>
          <Field label="Allowed origins" htmlFor="s-origins" hint="One per line. The crawler follows links and requests only to these (plus the site URL's own origin).">
            <textarea id="s-origins" className={cx(inputClass, 'metric min-h-24 text-xs')} value={origins} onChange={(e) => setOrigins(e.target.value)} />
          </Field>
          <div className="space-y-4">
            <div className="flex items-center gap-2">
              <input id="s-enabled" type="checkbox" className="h-4 w-4 accent-[#2563EB]" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
              <label htmlFor="s-enabled" className="text-sm font-medium">
                Crawl on a schedule
              </label>
            </div>
            <div className="grid grid-cols-2 gap-3">
              <Field label="Time" htmlFor="s-time">
                <input id="s-time" type="time" className={inputClass} value={time} onChange={(e) => setTime(e.target.value)} />
              </Field>
              <Field label="Time zone" htmlFor="s-tz">
                <select id="s-tz" className={inputClass} value={tz} onChange={(e) => setTz(e.target.value)}>
                  {zones.map((z) => (
                    <option key={z} value={z}>
                      {z}
                    </option>
                  ))}
                </select>
              </Field>
            </div>
          </div>
          <fieldset>
            <legend className="mb-1 text-sm font-medium">Days</legend>
            <div className="flex flex-wrap gap-2">
              {DAYS.map(([n, label]) => (
                <label key={n} className={cx('inline-flex min-h-9 cursor-pointer items-center gap-1.5 rounded-[8px] border px-2.5 text-sm', days.includes(n) ? 'border-ink' : 'border-line')}>
                  <input type="checkbox" className="accent-[#2563EB]" checked={days.includes(n)} onChange={() => setDays(toggle(days, n))} />
                  {label}
                </label>
              ))}
            </div>
          </fieldset>
          <fieldset>
            <legend className="mb-1 text-sm font-medium">Viewports</legend>
            <div className="flex flex-wrap gap-2">
              {VIEWPORTS.map((v) => (
                <label key={v} className={cx('inline-flex min-h-9 cursor-pointer items-center gap-1.5 rounded-[8px] border px-2.5 text-sm capitalize', viewports.includes(v) ? 'border-ink' : 'border-line')}>
                  <input type="checkbox" className="accent-[#2563EB]" checked={viewports.includes(v)} onChange={() => setViewports(toggle(viewports, v))} />
                  {v}
                </label>
              ))}
            </div>
          </fieldset>
          <Field label="Pages to discover beyond the flows" htmlFor="s-discover" hint="0 to 500; 0 crawls the flows only.">
            <input id="s-discover" type="number" min={0} max={500} className={inputClass} value={discover} onChange={(e) => setDiscover(e.target.value)} />
          </Field>
        </fieldset>
        {error && (
          <p role="alert" className="mt-4 text-sm text-[#991b1b]">
            {error}
          </p>
        )}
        {canEdit && (
          <Button type="submit" variant="primary" className="mt-4" busy={busy}>
            Save settings
          </Button>
        )}
      </form>
    </Card>
  );
}

function Recipients({ siteId, data, canManage }: { siteId: string; data: SettingsData; canManage: boolean }) {
  const db = useDb();
  const me = useSessionStore((s) => s.user?.id);
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const reload = () => useResourceStore.getState().invalidate(`settings:${siteId}`);

  async function act(id: string, fn: () => Promise<unknown>, done: string) {
    setBusy(id);
    try {
      await fn();
      toast.success(done);
      reload();
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  const pref = (r: Recipient, k: 'instant' | 'daily' | 'weekly') => {
    const editable = canManage || r.user_id === me;
    return (
      <td className="py-2 text-center">
        <input
          type="checkbox"
          className="h-4 w-4 accent-[#2563EB]"
          aria-label={`${k} emails to ${r.email}`}
          checked={r[k]}
          disabled={!editable || busy === r.id}
          onChange={(e) => void act(r.id, () => updateRecipient(db, r.id, { [k]: e.target.checked }), 'Preference saved.')}
        />
      </td>
    );
  };

  return (
    <Card title="Email notifications" labelledBy="recipients-title">
      <p className="mb-3 text-sm text-muted">Instant: new or returning P0/P1 bugs, once per crawl. Daily: a briefing at 09:00 site time. Weekly: a summary on Mondays. An address that is not a member's receives nothing until it confirms by the link FlowLens emails it.</p>
      <div className="relative overflow-x-auto">
        <table className="w-full min-w-[28rem] text-sm">
          <caption className="sr-only">Who receives which emails</caption>
          <thead>
            <tr className="border-b border-line text-xs text-muted">
              <th scope="col" className="pb-2 text-left font-normal">
                Address
              </th>
              <th scope="col" className="pb-2 font-normal">
                Instant
              </th>
              <th scope="col" className="pb-2 font-normal">
                Daily
              </th>
              <th scope="col" className="pb-2 font-normal">
                Weekly
              </th>
              <th scope="col" className="pb-2 font-normal">
                <span className="sr-only">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-line">
            {data.recipients.map((r) => (
              <tr key={r.id}>
                <td className="py-2 pr-2 break-all">
                  {r.email}
                  {r.user_id === null && <span className="ml-1 text-xs text-muted">(not a member)</span>}
                  {r.confirmed_at === null && (
                    <span className="mt-1 flex flex-wrap items-center gap-2 text-xs" data-testid={`awaiting-${r.email}`}>
                      <span className="rounded bg-[#fef3c7] px-1.5 py-0.5 font-medium text-[#92400e]">Awaiting confirmation</span>
                      <span className="text-muted">{r.confirmation_sent_at ? 'No alerts until the link in the email is opened.' : 'The confirmation email is on its way.'}</span>
                      {canManage && (
                        <button type="button" className="text-[#1d4ed8] hover:underline" aria-label={`Resend the confirmation email to ${r.email}`} disabled={busy === r.id} onClick={() => void act(r.id, () => resendConfirmation(db, r.id), `The confirmation email to ${r.email} goes out again.`)}>
                          Resend
                        </button>
                      )}
                    </span>
                  )}
                </td>
                {pref(r, 'instant')}
                {pref(r, 'daily')}
                {pref(r, 'weekly')}
                <td className="py-2 text-right">
                  {canManage && (
                    <button type="button" className="text-xs text-muted hover:text-[#991b1b]" aria-label={`Remove ${r.email}`} disabled={busy === r.id} onClick={() => void act(r.id, () => removeRecipient(db, r.id), `Removed ${r.email}.`)}>
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {canManage && (
        <form
          className="mt-4 flex flex-col gap-2 sm:flex-row sm:items-end"
          onSubmit={(e) => {
            e.preventDefault();
            void act('new', () => addRecipient(db, siteId, email), `Added ${email}.`).then(() => setEmail(''));
          }}
        >
          <div className="flex-1">
            <Field label="Add an address" htmlFor="r-email">
              <input id="r-email" type="email" className={inputClass} value={email} onChange={(e) => setEmail(e.target.value)} placeholder="oncall@example.com" />
            </Field>
          </div>
          <Button type="submit" disabled={!email.includes('@')} busy={busy === 'new'}>
            Add
          </Button>
        </form>
      )}
    </Card>
  );
}

function Webhook({ siteId, data }: { siteId: string; data: SettingsData }) {
  const db = useDb();
  const config = useConfig();
  const [revealed, setRevealed] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [tab, setTab] = useState<'curl' | 'github'>('curl');
  const secret = data.secret?.webhook_secret ?? null;

  async function rotate() {
    setBusy(true);
    try {
      const fresh = await rotateWebhookSecret(db, siteId);
      useResourceStore.getState().patch<SettingsData>(`settings:${siteId}`, (d) => ({ ...d, secret: { webhook_secret: fresh, rotated_at: new Date().toISOString() } }));
      setRevealed(true);
      setConfirm(false);
      toast.success('New secret created. The old one stops working now: update your CI.');
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function copy(text: string, what: string) {
    try {
      await navigator.clipboard.writeText(text);
      toast.success(`Copied the ${what}.`);
    } catch {
      toast.info('Your browser blocked the clipboard: select the text and copy it.');
    }
  }

  const example = tab === 'curl' ? curlExample({ supabaseUrl: config.supabaseUrl, siteId, secret: revealed && secret ? secret : '<your webhook secret>' }) : githubActionsExample({ supabaseUrl: config.supabaseUrl, siteId });

  return (
    <Card title="Deploy webhook" labelledBy="webhook-title">
      <p className="mb-3 text-sm text-muted">
        Tell FlowLens when you deploy: it crawls straight away and links new bugs to the deploy. Requests are signed with HMAC-SHA256 over <code className="metric">timestamp.body</code>; unsigned, stale or replayed
        ones are refused.
      </p>
      <dl className="space-y-3 text-sm">
        <div>
          <dt className="text-xs text-muted">Endpoint</dt>
          <dd className="metric break-all text-xs">{webhookUrl(config.supabaseUrl, siteId)}</dd>
        </div>
        <div>
          <dt className="text-xs text-muted">Secret</dt>
          <dd className="mt-1 flex flex-wrap items-center gap-2">
            <code className="metric rounded bg-[#f4f4f2] px-2 py-1 text-xs break-all" data-testid="webhook-secret">
              {secret ? (revealed ? secret : maskSecret(secret)) : '—'}
            </code>
            {secret && (
              <>
                <Button variant="ghost" onClick={() => setRevealed(!revealed)} aria-pressed={revealed}>
                  {revealed ? 'Hide' : 'Reveal'}
                </Button>
                <Button variant="ghost" onClick={() => void copy(secret, 'secret')}>
                  Copy
                </Button>
              </>
            )}
          </dd>
          {data.secret && <dd className="mt-1 text-xs text-muted">Last rotated {relativeTime(data.secret.rotated_at)} ({dateTime(data.secret.rotated_at)})</dd>}
        </div>
      </dl>
      <div className="mt-3">
        {confirm ? (
          <div className="rounded-[8px] border border-line p-3" role="group" aria-label="Confirm rotation">
            <p className="text-sm">The current secret stops working at once; deploys signed with it are refused until your CI has the new one.</p>
            <div className="mt-2 flex gap-2">
              <Button variant="danger" busy={busy} onClick={() => void rotate()}>
                Rotate now
              </Button>
              <Button variant="ghost" onClick={() => setConfirm(false)}>
                Cancel
              </Button>
            </div>
          </div>
        ) : (
          <Button onClick={() => setConfirm(true)}>Rotate secret</Button>
        )}
      </div>
      <div className="mt-5">
        <div role="tablist" aria-label="Example" className="mb-2 flex gap-1">
          {(
            [
              ['curl', 'curl'],
              ['github', 'GitHub Actions'],
            ] as const
          ).map(([id, label]) => (
            <button
              key={id}
              type="button"
              role="tab"
              id={`tab-${id}`}
              aria-selected={tab === id}
              aria-controls="webhook-example"
              onClick={() => setTab(id)}
              className={cx('rounded-[6px] px-3 py-1 text-sm transition-colors duration-200 ease-out', tab === id ? 'bg-ink text-white' : 'text-muted hover:text-ink')}
            >
              {label}
            </button>
          ))}
        </div>
        <div id="webhook-example" role="tabpanel" aria-labelledby={`tab-${tab}`}>
          <pre className="metric max-h-80 overflow-auto rounded-[8px] bg-[#1a1a1a] p-3 text-xs text-[#f5f5f3]" data-testid="webhook-example" tabIndex={0}>
            {example}
          </pre>
          <Button variant="ghost" className="mt-2" onClick={() => void copy(example, 'example')}>
            Copy example
          </Button>
          {tab === 'github' && <p className="mt-1 text-xs text-muted">Store the secret as the repository secret FLOWLENS_WEBHOOK_SECRET.</p>}
        </div>
      </div>
    </Card>
  );
}

function Members({ orgId, siteId, data, role }: { orgId: string; siteId: string; data: SettingsData; role: MemberRole | null }) {
  const db = useDb();
  const me = useSessionStore((s) => s.user?.id);
  const isAdmin = role === 'owner' || role === 'admin';
  const [email, setEmail] = useState('');
  const [inviteRole, setInviteRole] = useState<MemberRole>('member');
  const [link, setLink] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const reload = () => useResourceStore.getState().invalidate(`settings:${siteId}`);

  async function act(id: string, fn: () => Promise<unknown>, done: string) {
    setBusy(id);
    try {
      await fn();
      toast.success(done);
      reload();
      return true;
    } catch (err) {
      toast.error(errorMessage(err));
      return false;
    } finally {
      setBusy(null);
    }
  }

  async function invite(e: FormEvent) {
    e.preventDefault();
    setBusy('invite');
    try {
      const res = await inviteMember(db, orgId, email, inviteRole);
      setLink(`${window.location.origin}/invite/${res.token}`);
      toast.success(`Invitation for ${email} created.`);
      setEmail('');
      reload();
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <Card title="Members and invitations" labelledBy="members-title">
      <ul className="divide-y divide-line text-sm">
        {data.members.map((m) => (
          <li key={m.user_id} className="flex flex-wrap items-center justify-between gap-2 py-2">
            <span className="break-all">
              {m.email ?? 'unknown'}
              {m.user_id === me && <span className="ml-1 text-xs text-muted">(you)</span>}
            </span>
            <span className="flex items-center gap-2">
              {role === 'owner' && m.user_id !== me ? (
                <>
                  <label className="sr-only" htmlFor={`role-${m.user_id}`}>
                    Role of {m.email}
                  </label>
                  <select
                    id={`role-${m.user_id}`}
                    className={inlineInputClass}
                    value={m.role}
                    disabled={busy === m.user_id}
                    onChange={(e) => void act(m.user_id, () => changeRole(db, orgId, m.user_id, e.target.value as MemberRole), `${m.email} is now ${e.target.value}.`)}
                  >
                    <option value="member">member</option>
                    <option value="admin">admin</option>
                    <option value="owner">owner</option>
                  </select>
                </>
              ) : (
                <span className="text-xs text-muted">{m.role}</span>
              )}
              {isAdmin && m.user_id !== me && (m.role !== 'owner' || role === 'owner') && (
                <button type="button" className="text-xs text-muted hover:text-[#991b1b]" disabled={busy === m.user_id} onClick={() => void act(m.user_id, () => removeMember(db, orgId, m.user_id), `Removed ${m.email}.`)}>
                  Remove
                </button>
              )}
            </span>
          </li>
        ))}
      </ul>
      {isAdmin && (
        <>
          {data.invitations.length > 0 && (
            <div className="mt-4">
              <h3 className="mb-1 text-sm font-semibold">Open invitations</h3>
              <ul className="divide-y divide-line text-sm">
                {data.invitations.map((i) => (
                  <li key={i.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                    <span className="break-all">
                      {i.email} <span className="text-xs text-muted">· {i.role} · expires {dateTime(i.expires_at)}</span>
                    </span>
                    <button type="button" className="text-xs text-muted hover:text-[#991b1b]" disabled={busy === i.id} onClick={() => void act(i.id, () => revokeInvitation(db, i.id), `Revoked the invitation for ${i.email}.`)}>
                      Revoke
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <form className="mt-4 grid gap-2 sm:grid-cols-[1fr_auto_auto] sm:items-end" onSubmit={invite}>
            <Field label="Invite by email" htmlFor="i-email">
              <input id="i-email" type="email" className={inputClass} value={email} onChange={(e) => setEmail(e.target.value)} placeholder="colleague@example.com" />
            </Field>
            <Field label="Role" htmlFor="i-role">
              <select id="i-role" className={inputClass} value={inviteRole} onChange={(e) => setInviteRole(e.target.value as MemberRole)}>
                <option value="member">member</option>
                <option value="admin">admin</option>
              </select>
            </Field>
            <Button type="submit" disabled={!email.includes('@')} busy={busy === 'invite'}>
              Invite
            </Button>
          </form>
          {link && (
            <div className="mt-3 rounded-[8px] border border-line bg-[#f4f4f2] p-3 text-sm" role="status">
              <p className="font-medium">Send this link to them (it is shown only once and works for 7 days):</p>
              <p className="metric mt-1 break-all text-xs" data-testid="invite-link">
                {link}
              </p>
            </div>
          )}
        </>
      )}
    </Card>
  );
}
