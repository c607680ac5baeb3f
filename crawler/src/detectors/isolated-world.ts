/**
 * Where the page detectors read a page: an isolated world of the tab's top document, the way an
 * extension's content script sees it. It shares the page's DOM but not its JavaScript globals, so a
 * page cannot forge what FlowLens reads (replace `performance`, pre-define `window.axe`, patch
 * `Array.prototype`), and the page's scripts cannot see or call what FlowLens injects.
 *
 * One CDP session per tab and one world per document, shared by every detector: a script injected
 * once (axe-core) stays for the document's other readers, and a navigation gives the next document a
 * fresh world. Compared with a Playwright evaluate per read, this also saves the session, frame-tree
 * and world round trips each detector used to make on its own (docs/benchmarks/crawler-cost.md).
 */
import type { CDPSession, Page } from 'playwright';

const WORLD_NAME = 'flowlens-detectors';

export class PageScriptError extends Error {}

interface World {
  contextId: number;
  /** The scripts run (or running) in this world, by name (see ensure()). */
  loaded: Map<string, Promise<unknown>>;
}

export class IsolatedWorld {
  private session: Promise<CDPSession> | null = null;
  private world: Promise<World> | null = null;

  constructor(private readonly page: Page) {
    // A new document (or a same-document navigation, harmlessly) gets a new world on next use.
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) this.world = null;
    });
    page.on('close', () => {
      this.session = null;
      this.world = null;
    });
  }

  private cdp(): Promise<CDPSession> {
    this.session ??= this.page.context().newCDPSession(this.page);
    return this.session;
  }

  private current(): Promise<World> {
    this.world ??= (async () => {
      const cdp = await this.cdp();
      const { frameTree } = await cdp.send('Page.getFrameTree');
      const { executionContextId } = await cdp.send('Page.createIsolatedWorld', { frameId: frameTree.frame.id, worldName: WORLD_NAME });
      return { contextId: executionContextId, loaded: new Map<string, Promise<unknown>>() };
    })();
    const made = this.world;
    // A world that could not be made is not kept: the next read tries again.
    made.catch(() => {
      if (this.world === made) this.world = null;
    });
    return made;
  }

  /**
   * Evaluates an expression in the current document's world and returns its value as JSON (a promise
   * is awaited). A world whose document has gone (the page navigated meanwhile) is replaced once.
   */
  evaluate(expression: string): Promise<unknown> {
    return this.inWorld((world) => this.run(world, expression));
  }

  /**
   * Runs `source` once in the current document's world (a script defining globals, such as axe-core):
   * later calls on the same document (even while it still runs) wait for that one run, the next
   * document runs it again. A run that failed is tried again by the next call.
   */
  ensure(name: string, source: string): Promise<void> {
    return this.inWorld(async (world) => {
      let loading = world.loaded.get(name);
      if (!loading) {
        loading = this.run(world, source);
        world.loaded.set(name, loading);
        loading.catch(() => {
          if (world.loaded.get(name) === loading) world.loaded.delete(name);
        });
      }
      await loading;
    });
  }

  private async inWorld<T>(use: (world: World) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const made = this.current();
      const world = await made;
      try {
        return await use(world);
      } catch (e) {
        const gone = !(e instanceof PageScriptError) && /Cannot find context|context was destroyed/i.test((e as Error).message);
        if (attempt > 0 || !gone) throw e;
        if (this.world === made) this.world = null;
      }
    }
  }

  private async run(world: World, expression: string): Promise<unknown> {
    const cdp = await this.cdp();
    const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', {
      expression,
      contextId: world.contextId,
      returnByValue: true,
      awaitPromise: true,
    });
    if (exceptionDetails) {
      const description = exceptionDetails.exception?.description ?? exceptionDetails.text;
      throw new PageScriptError(String(description).split('\n')[0]!.slice(0, 300));
    }
    return result.value as unknown;
  }
}

const worlds = new WeakMap<Page, IsolatedWorld>();

/** The detectors' world of a tab (made on first use, kept for the tab's life). */
export function isolatedWorld(page: Page): IsolatedWorld {
  let world = worlds.get(page);
  if (!world) {
    world = new IsolatedWorld(page);
    worlds.set(page, world);
  }
  return world;
}

/**
 * `fn(arg)` as an expression for IsolatedWorld.evaluate (the function must not close over anything).
 * Transpilers that keep function names (tsx, which runs the CLI and the worker) wrap nested
 * functions in a `__name(fn, "name")` helper that exists only in this process: the page gets its own.
 */
export function call<A>(fn: (arg: A) => unknown, arg?: A): string {
  return `(() => { const __name = (f) => f; return (${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)}); })()`;
}
