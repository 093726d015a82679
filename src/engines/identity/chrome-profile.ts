import type { Profile, Sensibility } from '../../contract/types.js';

/** The Chrome major version our generated identities claim. */
export const CHROME_MAJOR = 156;
export const CHROME_FULL_VERSION = '156.0.8078.73';

const PLATFORMS = {
  Win32: { ua: 'Windows NT 10.0; Win64; x64', chPlatform: '"Windows"' },
  MacIntel: { ua: 'Macintosh; Intel Mac OS X 10_15_7', chPlatform: '"macOS"' },
  'Linux x86_64': { ua: 'X11; Linux x86_64', chPlatform: '"Linux"' },
} as const;

const SCREENS = [
  { width: 1920, height: 1080 },
  { width: 2560, height: 1440 },
  { width: 1536, height: 864 },
  { width: 1366, height: 768 },
];

function pick<T>(items: readonly T[], seed: number): T {
  return items[seed % items.length]!;
}

/**
 * A generated, internally consistent desktop Chrome profile (contract §1.6); overrides win and the
 * fields they imply (platform → user agent and client hint, language → Accept-Language) follow them.
 */
export function buildChromeProfile(_sensibility: Sensibility, overrides: Profile = {}, seed = Math.floor(Math.random() * 1e9)): Profile {
  const platform = (overrides.platform ?? 'Win32') as string;
  const known = PLATFORMS[platform as keyof typeof PLATFORMS] ?? PLATFORMS.Win32;
  const userAgent = overrides.userAgent ?? `Mozilla/5.0 (${known.ua}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${CHROME_MAJOR}.0.0.0 Safari/537.36`;
  const languages = overrides.languages ?? (overrides.language ? [overrides.language, overrides.language.split('-')[0]!].filter((v, i, a) => a.indexOf(v) === i) : ['en-US', 'en']);
  const language = overrides.language ?? languages[0]!;
  const screen = overrides.screen ?? pick(SCREENS, seed);
  const viewport = overrides.viewport ?? { width: Math.min(screen.width, 1920) - 0, height: screen.height - 137 };
  const acceptLanguage = languages.map((l, i) => (i === 0 ? l : `${l};q=${Math.max(0.1, 1 - i * 0.1).toFixed(1)}`)).join(',');
  const headers: Record<string, string> = {
    'accept-language': acceptLanguage,
    'sec-ch-ua': `"Chromium";v="${CHROME_MAJOR}", "Not-A.Brand";v="24", "Google Chrome";v="${CHROME_MAJOR}"`,
    'sec-ch-ua-mobile': '?0',
    'sec-ch-ua-platform': known.chPlatform,
    ...(overrides.headers ?? {}),
  };
  return {
    userAgent,
    platform,
    language,
    languages,
    timezone: overrides.timezone ?? 'America/New_York',
    screen,
    viewport,
    deviceMemory: overrides.deviceMemory ?? 8,
    hardwareConcurrency: overrides.hardwareConcurrency ?? pick([4, 8, 12, 16], seed >> 3),
    webgl: overrides.webgl ?? { vendor: 'Google Inc. (Intel)', renderer: 'ANGLE (Intel, Intel(R) UHD Graphics 630 Direct3D11 vs_5_0 ps_5_0, D3D11)' },
    headers,
  };
}
