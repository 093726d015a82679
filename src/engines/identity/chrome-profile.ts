import type { Profile, Sensibility } from '../../contract/types.js';

/**
 * The browser our identities claim: the major version of the Debian Chromium the adaptive engine runs (156 at
 * the time of writing). Adaptive sessions take their detailed client hints from that browser itself; passive
 * ones send these values. test/integration/adaptive-requests.test.ts compares the two header sets on the same
 * target and fails when Debian's Chromium moves to another major until this file follows it.
 */
export const CHROME_MAJOR = 156;
/** Chromium's own client-hint brand list for this major (the GREASE brand depends on the version). */
export const CHROME_BRANDS = `"Not:A-Brand";v="8", "Chromium";v="${CHROME_MAJOR}"`;

const PLATFORMS: Record<string, { ua: string; chPlatform: string }> = {
  'Linux x86_64': { ua: 'X11; Linux x86_64', chPlatform: '"Linux"' },
  Win32: { ua: 'Windows NT 10.0; Win64; x64', chPlatform: '"Windows"' },
  MacIntel: { ua: 'Macintosh; Intel Mac OS X 10_15_7', chPlatform: '"macOS"' },
};

/**
 * The screens a default profile draws from, each as often as its weight: in that order they are the most common
 * desktop screens (StatCounter's worldwide desktop ranking puts 1920×1080 far ahead and 2560×1440 well behind
 * 1536×864 and 1366×768), so a fleet of sessions looks like ordinary traffic rather than an even spread. The
 * window, and so an adaptive session's memory, grows with the screen (about 19 MiB per idle session on
 * 1366×768, 28 on 2560×1440: `npm run bench:window-memory`); this mix averages about 21 MiB.
 */
export const SCREEN_WEIGHTS: readonly { screen: { width: number; height: number }; weight: number }[] = [
  { screen: { width: 1920, height: 1080 }, weight: 6 },
  { screen: { width: 1536, height: 864 }, weight: 3 },
  { screen: { width: 1366, height: 768 }, weight: 3 },
  { screen: { width: 2560, height: 1440 }, weight: 1 },
];
const SCREENS = SCREEN_WEIGHTS.flatMap(({ screen, weight }) => Array.from({ length: weight }, () => screen));

/**
 * A Chrome window on Linux around its page: 8 px of border across, 85 px of tab strip and toolbar above (the insets
 * Playwright gives a headed Chromium window on Linux, and so the stealth flavors' windows: see window-frame.ts).
 */
export const WINDOW_INSETS = { width: 8, height: 85 } as const;
/** Screen rows a default profile's window leaves free (a desktop panel or taskbar). */
const DESKTOP_PANEL_HEIGHT = 52;

function pick<T>(items: readonly T[], seed: number): T {
  return items[Math.abs(seed) % items.length]!;
}

export function userAgentFor(platform: string): string {
  const known = PLATFORMS[platform] ?? PLATFORMS['Linux x86_64']!;
  return `Mozilla/5.0 (${known.ua}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME_MAJOR}.0.0.0 Safari/537.36`;
}

export function acceptLanguageFor(languages: readonly string[]): string {
  return languages.map((l, i) => (i === 0 ? l : `${l};q=${Math.max(0.1, 1 - i * 0.1).toFixed(1)}`)).join(',');
}

/**
 * A generated, internally consistent desktop Chromium profile (contract §1.6). Overrides win, and the fields
 * they imply follow them: platform → user agent and sec-ch-ua-platform, languages → Accept-Language.
 * The default platform is the one the adaptive engine's Chromium really runs on, so TLS, HTTP/2 and the
 * JavaScript-visible values agree.
 */
export function buildChromeProfile(_sensibility: Sensibility, overrides: Profile = {}, seed = Math.floor(Math.random() * 1e9)): Profile {
  const platform = (overrides.platform ?? 'Linux x86_64') as string;
  const known = PLATFORMS[platform] ?? PLATFORMS['Linux x86_64']!;
  const languages = overrides.languages ?? (overrides.language ? [...new Set([overrides.language, overrides.language.split('-')[0]!])] : ['en-US', 'en']);
  const screen = overrides.screen ?? { ...pick(SCREENS, seed) };
  return {
    userAgent: overrides.userAgent ?? userAgentFor(platform),
    platform,
    language: overrides.language ?? languages[0]!,
    languages,
    timezone: overrides.timezone ?? 'America/New_York',
    screen,
    // A window as wide as the screen, just short of its height: its page is the window less the insets.
    viewport: overrides.viewport ?? { width: screen.width - WINDOW_INSETS.width, height: screen.height - DESKTOP_PANEL_HEIGHT - WINDOW_INSETS.height },
    deviceMemory: overrides.deviceMemory ?? 8,
    hardwareConcurrency: overrides.hardwareConcurrency ?? pick([4, 8, 12, 16], seed >> 3),
    webgl: overrides.webgl ?? { vendor: 'Google Inc. (Intel)', renderer: 'ANGLE (Intel, Mesa Intel(R) UHD Graphics 630 (CFL GT2), OpenGL 4.6)' },
    headers: {
      'accept-language': acceptLanguageFor(languages),
      'sec-ch-ua': CHROME_BRANDS,
      'sec-ch-ua-mobile': '?0',
      'sec-ch-ua-platform': known.chPlatform,
      ...(overrides.headers ?? {}),
    },
  };
}
