import { describe, expect, it } from 'vitest';
import { BROWSER_UI_HEIGHT, framedWindow } from '../../src/engines/adaptive/stealth/window-frame.js';

describe('framedWindow', () => {
  it('is as wide as the page and taller by the browser UI', () => {
    expect(framedWindow({ viewport: { width: 1920, height: 943 }, screen: { width: 1920, height: 1080 } })).toEqual({ width: 1920, height: 943 + BROWSER_UI_HEIGHT });
  });

  it('never grows past the screen, nor shrinks below the page', () => {
    expect(framedWindow({ viewport: { width: 1280, height: 1000 }, screen: { width: 1280, height: 1024 } })).toEqual({ width: 1280, height: 1024 });
    expect(framedWindow({ viewport: { width: 1280, height: 1100 }, screen: { width: 1280, height: 1024 } })).toEqual({ width: 1280, height: 1100 });
  });

  it('frames nothing without a viewport', () => {
    expect(framedWindow({ screen: { width: 1920, height: 1080 } })).toBeUndefined();
  });
});
