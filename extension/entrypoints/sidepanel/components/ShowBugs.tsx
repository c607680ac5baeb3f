/** "Show bugs on this site": asks for the site's origin, then turns the in-page overlay on for it (issue 7). */
import { browser } from 'wxt/browser';
import { originOfUrl, usePanel } from '../store.ts';
import { primary } from './styles.ts';

/**
 * "Show bugs on this site" (issue 19): the overlay only runs on origins the user granted, and the
 * grant used to be asked for only by Record and Walk through, so a new user signing in saw no badge
 * and no word why. Asked in the click itself (a user gesture), for this origin only; the background
 * then shows the overlay in this tab at once.
 */
export function ShowBugs() {
  const { tab, siteId, sites, hostAccess, setError, setInfo } = usePanel();
  const origin = originOfUrl(tab?.url ?? '');
  const site = sites.find((s) => s.id === siteId);
  if (!origin || !site || hostAccess !== false) return null;
  const onShow = () => {
    const tabId = tab?.id;
    browser.permissions
      .request({ origins: [`${origin}/*`] })
      .then(async (granted) => {
        if (!granted) {
          setError(`FlowLens was not given access to ${origin}, so it cannot show bugs there. Press "Show bugs on this site" again and choose "Allow".`);
          return;
        }
        await usePanel.getState().checkHostAccess();
        if (!(await usePanel.getState().enableOverlay(tabId))) setError('FlowLens could not turn on the bug overlay. Reload the page; if it stays off, reload the extension.');
        else setInfo(`Bugs on ${site.name} now show on its pages: a badge with the count where a page has open bugs, and pins on the elements.`);
      })
      .catch(() => setError(`FlowLens could not ask for access to ${origin}. Reload the page and try again.`));
  };
  return (
    <section className="flex flex-col gap-2 rounded-md border border-indigo-200 bg-indigo-50 p-2 text-indigo-950" aria-label="Bugs on this site" data-testid="show-bugs-offer">
      <p>
        FlowLens can show the bugs it found on <strong>{site.name}</strong> right on its pages: a badge with the count, and pins on the
        affected elements. For that it needs access to <strong>{origin}</strong> (this site only).
      </p>
      <button className={primary} onClick={onShow} data-testid="show-bugs">
        Show bugs on this site
      </button>
    </section>
  );
}
