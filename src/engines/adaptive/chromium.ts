import { accessSync, constants } from 'node:fs';

/** Debian's Chromium first; a configured path wins. Never downloaded. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

const INSTALL_HINT = 'Install Chromium (Debian/Ubuntu: `apt-get install -y chromium`) or set BBRE_CHROMIUM_PATH to a Chromium binary.';

/** What an adaptive call answers (503 SERVICE_UNAVAILABLE) on a server without Chromium. */
export const CHROMIUM_MISSING = `Adaptive mode needs Chromium, which is not installed. ${INSTALL_HINT}`;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findChromium(configured: string | undefined): string | undefined {
  if (configured) return isExecutable(configured) ? configured : undefined;
  return CANDIDATES.find(isExecutable);
}

/**
 * Playwright's own --disable-features list, repeated (a second --disable-features flag replaces the first),
 * plus the omnibox WebUI renderers (each context otherwise starts one, about doubling its memory) and the spare
 * renderer: after a page's first navigation Chromium starts one more renderer process for that page's context
 * and keeps it idle for a later cross-site navigation. It costs a whole renderer (about 6 MiB here) per browser,
 * the largest part of a lone session's memory, and on this machine a cross-site navigation without it is no
 * slower (a renderer forks from the zygote in a few milliseconds).
 */
const DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'WebUIOmniboxPopup',
  'WebUIOmniboxFullPopup',
  'WebUIOmniboxAimPopup',
  'SpareRendererForSitePerProcess',
];

export interface LaunchFlavor {
  /** Automation flags removed and the identity set for page, workers and iframes. */
  stealth: boolean;
  /** Accept-Language the browser sends (a launch flag keeps the header in Chromium's own position). */
  acceptLanguage: string;
  /**
   * Stealth only: the browser-wide user agent (`--user-agent`). Service workers take `navigator.userAgent` and
   * their script request's User-Agent from it and from nothing else (no CDP override reaches them), so without
   * it they say "HeadlessChrome". The flag blanks the detailed client hints; the per-target CDP overrides restore
   * them (stealth/child-targets.ts).
   */
  userAgent?: string;
}

/**
 * Three minutes after every launch, Chromium starts an on-device model utility process to benchmark the machine
 * for its built-in AI (the Prompt and Summarizer APIs) and stores the class it finds in the profile, which ours,
 * fresh per launch, never keeps; the process then stays for the browser's life. On this Chromium the benchmark
 * ends in class 7 (the model library cannot load), so pages read `availability()` as "unavailable". Giving that
 * same class up front skips the process and leaves what pages see unchanged.
 */
const ON_DEVICE_MODEL_PERFORMANCE_CLASS = '--optimization-guide-performance-class=7';

export function chromiumArgs(flavor: LaunchFlavor): string[] {
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-dev-shm-usage',
    `--disable-features=${DISABLED_FEATURES.join(',')}`,
    ON_DEVICE_MODEL_PERFORMANCE_CLASS,
    `--accept-lang=${flavor.acceptLanguage}`,
  ];
  if (flavor.stealth) args.push('--disable-blink-features=AutomationControlled');
  if (flavor.stealth && flavor.userAgent) args.push(`--user-agent=${flavor.userAgent}`);
  return args;
}
