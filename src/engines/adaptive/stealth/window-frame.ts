import type { CDPSession } from 'playwright-core';
import type { Profile } from '../../../contract/types.js';

/** Chromium's tab strip and toolbar on Linux at 100 % scale, in CSS pixels (Playwright's own headed inset). */
export const BROWSER_UI_HEIGHT = 85;

type Size = { width: number; height: number };

/**
 * The window size a page with `viewport` has in a real browser: as wide as the page, taller by the browser UI above
 * it, and never larger than the screen the profile claims. Undefined when there is no viewport to frame.
 */
export function framedWindow(profile: Pick<Profile, 'viewport' | 'screen'>): Size | undefined {
  const viewport = profile.viewport;
  if (!viewport) return undefined;
  const maxHeight = profile.screen?.height ?? Number.POSITIVE_INFINITY;
  return { width: viewport.width, height: Math.max(viewport.height, Math.min(viewport.height + BROWSER_UI_HEIGHT, maxHeight)) };
}

/**
 * Plain headless sizes a page's window exactly to its viewport, so `outerHeight === innerHeight`: a page with no
 * browser above it, which no real Chrome window shows. Under the stealth flavors' user agent Playwright takes the
 * browser for a headed one and adds its Linux window insets (8 × 85 px), which puts the browser UI above the page
 * but makes a screen-wide page's window 8 px wider than the screen. This sets the bounds `framedWindow` gives;
 * the viewport itself stays emulated (innerWidth/innerHeight, media queries and screenshots do not change).
 */
export async function frameWindow(cdp: CDPSession, size: Size): Promise<void> {
  const { windowId } = await cdp.send('Browser.getWindowForTarget');
  await cdp.send('Browser.setWindowBounds', { windowId, bounds: size });
}
