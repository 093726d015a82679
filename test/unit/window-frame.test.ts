import { describe, expect, it } from 'vitest';
import { buildChromeProfile, WINDOW_INSETS } from '../../src/engines/identity/chrome-profile.js';
import { framedWindow } from '../../src/engines/adaptive/stealth/window-frame.js';

describe('window frame', () => {
  it('a default profile leaves room on its screen for the window around its page', () => {
    // Every default screen is drawn once in a run of seeds as long as the weighted table (chrome-profile.ts).
    for (let seed = 0; seed < 13; seed++) {
      const { screen, viewport } = buildChromeProfile('medium', {}, seed);
      expect(viewport!.width + WINDOW_INSETS.width).toBe(screen!.width);
      expect(viewport!.height + WINDOW_INSETS.height).toBeLessThan(screen!.height);
      expect(framedWindow({ screen, viewport })).toBeUndefined();
    }
  });

  it('a fingerprint viewport as large as its screen gets a window within the screen, never smaller than the page', () => {
    expect(framedWindow({ viewport: { width: 1920, height: 1080 }, screen: { width: 1920, height: 1080 } })).toEqual({ width: 1920, height: 1080 });
    expect(framedWindow({ viewport: { width: 1280, height: 1000 }, screen: { width: 1920, height: 1024 } })).toEqual({ width: 1288, height: 1024 });
    expect(framedWindow({ viewport: { width: 2000, height: 1100 }, screen: { width: 1920, height: 1080 } })).toEqual({ width: 2000, height: 1100 });
  });

  it('frames nothing without a viewport or a screen', () => {
    expect(framedWindow({ screen: { width: 1920, height: 1080 } })).toBeUndefined();
    expect(framedWindow({ viewport: { width: 1920, height: 1080 } })).toBeUndefined();
  });
});
