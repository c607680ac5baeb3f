/** Which of the user's sites this tab belongs to, or adding it as a new site. */
import { useState } from 'react';
import { originOfUrl, usePanel } from '../store.ts';
import { primary, input } from './styles.ts';

export function SitePicker() {
  const { tab, sites, orgs, siteId, selectSite, addSite, busy, recorder } = usePanel();
  const [name, setName] = useState('');
  const adminOrgs = orgs.filter((o) => o.role === 'owner' || o.role === 'admin');
  const [orgId, setOrgId] = useState('');
  const origin = originOfUrl(tab?.url ?? '');
  if (!origin) {
    return <p className="rounded-md bg-slate-100 p-2 text-slate-700">Open your website in this tab to record a flow on it.</p>;
  }
  if (sites.length === 0) {
    return (
      <section className="flex flex-col gap-2 rounded-md border border-slate-200 bg-white p-2" aria-label="Add this site">
        <p>
          <strong>{origin}</strong> is not one of your sites yet.
        </p>
        {orgs.length > 0 && adminOrgs.length === 0 && <p className="text-slate-600">Ask an owner or admin of your organisation to add it.</p>}
        {(adminOrgs.length > 0 || orgs.length === 0) && (
          <>
            <label className="flex flex-col gap-1">
              Site name
              <input className={input} value={name} placeholder={new URL(origin).host} onChange={(e) => setName(e.target.value)} />
            </label>
            {adminOrgs.length > 1 && (
              <label className="flex flex-col gap-1">
                Organisation
                <select className={input} value={orgId || adminOrgs[0]!.id} onChange={(e) => setOrgId(e.target.value)}>
                  {adminOrgs.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <button className={primary} disabled={busy} data-testid="add-site" onClick={() => void addSite(orgId || adminOrgs[0]?.id || '', name)}>
              Add this site
            </button>
          </>
        )}
      </section>
    );
  }
  // The site's own name; the organisation only tells apart two sites of the same name (issue 19:
  // "Lumen Supply (demo shop) — Lumen Supply" read as a stutter).
  const optionText = (site: (typeof sites)[number]) => (sites.some((o) => o.id !== site.id && o.name === site.name) ? `${site.name} (${site.organizationName})` : site.name);
  return (
    <label className="flex flex-col gap-1">
      Site
      <select className={input} value={siteId ?? ''} disabled={recorder.recording} onChange={(e) => selectSite(e.target.value)} data-testid="site-select">
        {sites.map((s) => (
          <option key={s.id} value={s.id}>
            {optionText(s)}
          </option>
        ))}
      </select>
    </label>
  );
}
