import type { BrowserContext, Page } from 'playwright-core';
import type { Profile } from '../../../contract/types.js';
import { overrideChildTargets } from './child-targets.js';
import { frameWindow } from './window-frame.js';

/** What the browser itself reports (navigator.userAgentData high-entropy values), read once per browser. */
export interface EngineUaMetadata {
  userAgent: string;
  brands: Array<{ brand: string; version: string }>;
  fullVersionList: Array<{ brand: string; version: string }>;
  fullVersion: string;
  platform: string;
  platformVersion: string;
  architecture: string;
  bitness: string;
  model: string;
  mobile: boolean;
  wow64: boolean;
}

/**
 * The engine's own UA metadata, from the browser itself (CDP Browser.getVersion): its real full version, with
 * the brand list Chromium derives for that version. (navigator.userAgentData is not exposed on about:blank.)
 */
export async function readEngineUaMetadata(context: BrowserContext): Promise<EngineUaMetadata> {
  const page = await context.newPage();
  try {
    const cdp = await context.newCDPSession(page);
    const version = (await cdp.send('Browser.getVersion')) as { product: string; userAgent: string };
    await cdp.detach().catch(() => undefined);
    const fullVersion = /\/(\d+\.\d+\.\d+\.\d+)/.exec(version.product)?.[1] ?? '0.0.0.0';
    const major = fullVersion.split('.')[0]!;
    const grease = greaseBrand(Number(major));
    return {
      userAgent: version.userAgent,
      brands: [grease, { brand: 'Chromium', version: major }],
      fullVersionList: [{ brand: grease.brand, version: `${grease.version}.0.0.0` }, { brand: 'Chromium', version: fullVersion }],
      fullVersion,
      platform: 'Linux',
      platformVersion: '',
      architecture: 'x86',
      bitness: '64',
      model: '',
      mobile: false,
      wow64: false,
    };
  } finally {
    await page.close().catch(() => undefined);
  }
}

/**
 * Chromium's GREASE brand for a major version (components/embedder_support/user_agent_utils.cc): the
 * separator characters and version rotate with the major; brand order is fixed for a given major in our list.
 */
function greaseBrand(major: number): { brand: string; version: string } {
  const chars = [' ', '(', ':', '-', '.', '/', ')', ';', '=', '?', '_'];
  const versions = ['8', '99', '24'];
  return { brand: `Not${chars[major % chars.length]}A${chars[(major + 1) % chars.length]}Brand`, version: versions[major % versions.length]! };
}

const CH_PLATFORM: Record<string, string> = { Win32: 'Windows', MacIntel: 'macOS', 'Linux x86_64': 'Linux' };

/**
 * The CDP override for one page: the engine's own metadata with "HeadlessChrome" replaced, the profile's
 * platform and languages. Set through CDP rather than `--user-agent` (which blanks the detailed client hints).
 */
export function uaOverrideFor(meta: EngineUaMetadata, profile: Profile) {
  const userAgent = (profile.userAgent ?? meta.userAgent).replace('HeadlessChrome/', 'Chrome/');
  const platform = typeof profile.platform === 'string' ? profile.platform : 'Linux x86_64';
  // No acceptLanguage here: the override would move Accept-Language before Accept; --accept-lang keeps
  // Chromium's own header order.
  return {
    userAgent,
    platform,
    userAgentMetadata: {
      brands: meta.brands,
      fullVersionList: meta.fullVersionList,
      fullVersion: meta.fullVersion,
      platform: CH_PLATFORM[platform] ?? meta.platform,
      platformVersion: meta.platformVersion,
      architecture: meta.architecture,
      bitness: meta.bitness,
      model: meta.model,
      mobile: false,
      wow64: meta.wow64,
    },
  };
}

/**
 * The user agent a stealth browser is launched with (`--user-agent`, see chromium.ts): the one thing that reaches
 * a service worker's `navigator.userAgent` and its script request, which no CDP override does. The flag blanks
 * the detailed client hints, which the CDP overrides (page, frames, workers, service workers) put back.
 */
export function launchUserAgent(profile: Profile): string | undefined {
  return profile.userAgent?.replace('HeadlessChrome/', 'Chrome/');
}

/**
 * Overrides the identity of `page` and of every target it starts (OOPIFs, dedicated, shared and service workers:
 * child-targets.ts), and sets its window's bounds when `window` (from window-frame.ts) says the default ones are
 * wrong. Call before the page navigates; the CDP session lives as long as the page.
 */
export async function applyUaOverride(
  context: BrowserContext,
  page: Page,
  override: ReturnType<typeof uaOverrideFor>,
  window?: { width: number; height: number },
): Promise<void> {
  const cdp = await context.newCDPSession(page);
  // Only for a fingerprint viewport that leaves the default frame off the screen (window-frame.ts). Not awaited: a
  // resize makes the GPU process replace the window's surface, work a create need not wait for; it lands long before
  // a client's first request can reach the page, and the page itself does not change (its viewport is emulated).
  if (window) void frameWindow(cdp, window).catch(() => undefined);
  // Sent together: the session handles them in order, and each round trip is paid by every session create.
  await Promise.all([cdp.send('Network.setUserAgentOverride', override), cdp.send('Emulation.setUserAgentOverride', override), overrideChildTargets(cdp, override)]);
}
