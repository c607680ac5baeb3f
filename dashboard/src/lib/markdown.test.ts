import { describe, expect, it } from 'vitest';
import { fullBug, occurrence } from '../test/fixtures.ts';
import { bugToMarkdown, codeBlock, escapeMarkdown, inlineCode } from './markdown.ts';

describe('copy as Markdown issue', () => {
  it('writes a complete issue body with evidence and a link back', () => {
    const md = bugToMarkdown({
      bug: fullBug(),
      occurrence: occurrence(),
      reproSteps: ['Open the shop', 'Add the lamp to the cart'],
      bugUrl: 'https://app.flowlens.dev/sites/s/bugs/b',
      screenshotUrl: 'https://x.supabase.co/storage/v1/object/sign/screenshots/a.png?token=t',
      siteName: 'Lumen shop',
    });
    expect(md).toMatch(/^## \[P1\] TypeError: Cannot read properties of undefined \\\(reading 'price'\\\)/);
    expect(md).toContain('| Page | `/cart` |');
    expect(md).toContain('1. Open the shop\n2. Add the lamp to the cart');
    expect(md).toContain('### Console');
    expect(md).toContain('POST https://shop.lumen.example/api/cart -> 500');
    expect(md).toContain('Rule `button-name` (serious) — <https://dequeuniversity.com/rules/axe/4.10/button-name>');
    expect(md).toContain('Found by FlowLens: https://app.flowlens.dev/sites/s/bugs/b');
  });

  it('keeps hostile page content inert: HTML and Markdown in titles are escaped, messages fenced', () => {
    const md = bugToMarkdown({
      bug: fullBug({ title: '<img src=x onerror=alert(1)> [click](javascript:alert(1))', message: 'ends with ```\n<script>alert(1)</script>' }),
      occurrence: null,
      reproSteps: [],
      bugUrl: 'u',
      siteName: 's',
    });
    expect(md).toContain('\\<img src=x onerror=alert\\(1\\)\\> \\[click\\]\\(javascript:alert\\(1\\)\\)');
    // The message's own ``` cannot close the fence around it.
    expect(md).toContain('````\nends with ```\n<script>alert(1)</script>\n````');
  });

  it('code helpers pick fences longer than the content', () => {
    expect(codeBlock('a `` b')).toBe('```\na `` b\n```');
    expect(inlineCode('a`b')).toBe('``a`b``');
    expect(inlineCode('`x`')).toBe('`` `x` ``');
    expect(escapeMarkdown('# *hi*')).toBe('\\# \\*hi\\*');
  });
});
