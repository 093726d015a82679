import type { CDPSession } from 'playwright-core';
import type { Profile } from '../../../contract/types.js';
import { WINDOW_INSETS } from '../../identity/chrome-profile.js';

type Size = { width: number; height: number };

/**
 * Plain headless sizes a page's window exactly to its viewport, so `outerHeight === innerHeight`: a page with no
 * browser above it, which no real Chrome window shows. The stealth flavors launch with a user agent without
 * "Headless", which Playwright takes for a headed browser: it sizes their windows as the viewport plus a Linux
 * Chrome window's insets (WINDOW_INSETS), and the default profiles' viewports are chosen so that window fits the
 * screen. A viewport given in the fingerprint may not leave room for them; then the window needs other bounds:
 * the insets as far as the screen allows, never smaller than the page. Undefined when Playwright's are right.
 */
export function framedWindow(profile: Pick<Profile, 'viewport' | 'screen'>): Size | undefined {
  const { viewport, screen } = profile;
  if (!viewport || !screen) return undefined;
  const framed = { width: viewport.width + WINDOW_INSETS.width, height: viewport.height + WINDOW_INSETS.height };
  if (framed.width <= screen.width && framed.height <= screen.height) return undefined;
  return { width: Math.max(viewport.width, Math.min(framed.width, screen.width)), height: Math.max(viewport.height, Math.min(framed.height, screen.height)) };
}

/** Sets the bounds of `cdp`'s page's window (the viewport itself stays emulated: the page does not change). */
export async function frameWindow(cdp: CDPSession, size: Size): Promise<void> {
  const { windowId } = await cdp.send('Browser.getWindowForTarget');
  await cdp.send('Browser.setWindowBounds', { windowId, bounds: size });
}
