import { describe, expect, it } from 'vitest';
import { importChromeRecording } from './chrome-recorder.ts';
import { importedStepLabel, nameFromSelectors } from './import-labels.ts';

describe('labels of imported Recorder steps', () => {
  it('names steps from their selectors', () => {
    const { flow } = importChromeRecording({
      title: 'Sign in',
      steps: [
        { type: 'navigate', url: 'https://shop.example/login' },
        { type: 'change', selectors: [['aria/Email'], ['#email']], value: 'a@b.c' },
        { type: 'click', selectors: [['aria/Sign in[role="button"]'], ['#go']] },
        { type: 'click', selectors: [['[data-testid="cart-link"]']] },
        { type: 'click', selectors: [['text/Forgot password?']] },
        { type: 'click', selectors: [['div > span:nth-child(2)']] },
        { type: 'keyDown', key: 'Enter' },
        { type: 'keyUp', key: 'Enter' },
      ],
    });
    expect(flow.steps.map((s) => s.label)).toEqual(["Type into 'Email'", "Click 'Sign in'", "Click 'cart link'", "Click 'Forgot password?'", 'Click the element', 'Press Enter']);
  });

  it('keeps a generated-looking id out of the name', () => {
    expect(nameFromSelectors([{ kind: 'id', value: 'ember1234' }]).name).toBe('');
    expect(importedStepLabel({ action: 'select', value: 'NO', selectors: [{ kind: 'label', value: 'Country' }] })).toBe("Select 'NO' in 'Country'");
    expect(importedStepLabel({ action: 'click', clickCount: 2, selectors: [{ kind: 'role', value: 'link' }] })).toBe('Double-click the link');
  });
});
