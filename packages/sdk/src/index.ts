/**
 * bbre-sdk: the TypeScript client of BBRE, the Browser-Backed Request Engine.
 *
 *   import BBREClient, { BBRESession, BrowserAPI, BBREError } from 'bbre-sdk';
 *   const BBREClient = require('bbre-sdk'); // CommonJS: the class itself, named exports on it
 */
import { BBREClient } from './client.js';

export { BBREClient, DEFAULT_BASE_URL } from './client.js';
export { BBRESession } from './session.js';
export { BrowserAPI } from './browser.js';
export { BBREError, isBBREError, type BBREErrorDetails, type BBREErrorOptions } from './errors.js';
export { RenewingSession, type RenewingSessionOptions } from './renewing-session.js';
export { SDK_VERSION } from './version.js';
export type * from './types.js';
export type {
  ActionData,
  BatchData,
  BatchStepResult,
  BrowserActionName,
  BrowserCallOptions,
  BrowserCookie,
  BrowserCookieInput,
  BrowserStep,
  NavigationResult,
  ScrollPosition,
} from './browser-results.js';
export type { CheckPageOptions, CheckPageResult, FormFieldValue, SubmitFormOptions, SubmitFormResult } from './browser-workflows.js';

export default BBREClient;
