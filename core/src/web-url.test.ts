import { describe, expect, it } from 'vitest';
import { isAllowedDocumentUrl, isWebUrl, webUrlProblem } from './web-url.ts';

describe('web URLs', () => {
  it('accepts absolute http(s) URLs only', () => {
    expect(isWebUrl('https://shop.example.com/a?b=1')).toBe(true);
    expect(isWebUrl('http://127.0.0.1:8080/')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'FILE:///etc/passwd', 'javascript:alert(1)', 'data:text/html,x', 'chrome://version', 'view-source:https://a/', 'ftp://a/b', 'blob:https://a/x', 'about:blank', 'shop.example.com', 'http://', '']) {
      expect(isWebUrl(bad), bad).toBe(false);
    }
    expect(webUrlProblem('FILE:///etc/passwd')).toBe('uses the file: scheme; FlowLens only opens http: and https: pages');
    expect(webUrlProblem(`https://a.example/${'x'.repeat(5000)}`)).toMatch(/at most 4096/);
  });
  it('lets frames show blank documents but nothing outside the web', () => {
    expect(isAllowedDocumentUrl('about:blank')).toBe(true);
    expect(isAllowedDocumentUrl('about:srcdoc')).toBe(true);
    expect(isAllowedDocumentUrl('https://a.example/')).toBe(true);
    expect(isAllowedDocumentUrl('chrome-error://chromewebdata/')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'data:text/html,x', 'chrome://settings', 'view-source:https://a/', 'javascript:void(0)', 'filesystem:https://a/x']) {
      expect(isAllowedDocumentUrl(bad), bad).toBe(false);
    }
  });
});
