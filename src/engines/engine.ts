import type { EndedReason, Mode, Profile, Sensibility } from '../contract/types.js';
export type { ProxySpec } from '../contract/types.js';

/** What an engine knows of a session: identity fixed at open, never storage. */
export interface EngineSession {
  id: string;
  accountId: string;
  mode: Mode;
  sensibility: Sensibility;
  profile: Profile;
  proxy: unknown;
  /** Engine state persisted between requests (e.g. the cookie jar), as the engine last returned it. */
  state: unknown;
}

/**
 * A request engine (contract §4.3). The domain calls `createProfile` and `open` when a session starts and
 * `release` when it ends (close, expiry sweep, eviction, shutdown); engines own their live handles only.
 */
export interface SessionEngine {
  readonly mode: Mode;
  /** Builds the session's identity once; `overrides` is the client's `fingerprint` (already type-checked). */
  createProfile(sensibility: Sensibility, overrides: Profile | undefined): Profile;
  /** Throws EngineUnavailableError when the engine cannot take work at all (checked before charging). */
  assertAvailable?(): void;
  /** Allocates live resources for a new session (a browser context in adaptive mode). */
  open(session: EngineSession): Promise<void>;
  /** Sessions this engine holds live resources for (to reconcile with the store). */
  liveSessionIds?(): string[];
  /** Releases the session's live resources; idempotent, and a no-op for a session it does not hold. */
  release(sessionId: string, reason: EndedReason): Promise<void>;
  /** Runs one request with the session's identity and state. */
  execute(session: EngineSession, request: EngineRequest, options?: ExecuteOptions): Promise<EngineResult>;
  /** Graceful shutdown: stop taking work, let in-flight work finish, release everything. Idempotent. */
  close(): Promise<void>;
}

/** Why an engine cannot take work at all (e.g. no browser installed). */
export class EngineUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterSecs?: number,
  ) {
    super(message);
    this.name = 'EngineUnavailableError';
  }
}

export interface CookieInput {
  name: string;
  value: string;
  domain?: string;
  path?: string;
  /** ms epoch; in the past deletes the cookie. */
  expires?: number;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'Strict' | 'Lax' | 'None';
}

export type RequestBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'form'; value: Record<string, unknown> }
  | { kind: 'text'; value: string }
  | { kind: 'binary'; value: Buffer };

/** One validated request (contract §1.5), as an engine runs it. */
export interface EngineRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: RequestBody;
  cookies?: CookieInput[];
  timeoutMs: number;
  followRedirects: boolean;
  maxRedirects: number;
  verifySSL: boolean;
  auth?: { username: string; password: string };
}

export interface RedirectHop {
  url: string;
  statusCode: number;
  location: string;
}

/** What the target answered (contract §1.7, before body encoding). */
export interface EngineResult {
  statusCode: number;
  headers: Record<string, string | string[]>;
  /** Text decoded by its charset, or base64 for binary bodies. */
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  truncated: boolean;
  url: string;
  redirects: RedirectHop[];
  /** Cookies the target set during this request, every hop included. */
  cookies: Record<string, string>;
  /**
   * Applies this request's cookie changes to the session state as stored at commit time: run inside the
   * commit transaction, so concurrent requests of one session never lose each other's cookies.
   */
  updateState(stored: unknown): unknown;
}

export interface ExecuteOptions {
  signal?: AbortSignal;
}

/** Typed engine failures; the domain maps them to contract codes and refunds (STYLE.md practice 8). */
export class TargetError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'timeout' | 'not_allowed' | 'aborted',
    message: string,
    readonly reason?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TargetError';
  }
}

/** One browser action step (contract §3.5), validated by the engine that runs it. */
export interface ActionStep {
  name: string;
  params: Record<string, unknown>;
}

export interface StepResult {
  step: number;
  action: string;
  success: boolean;
  result?: unknown;
  duration: number;
  error?: { code: string; message: string };
}

export interface ActionRunOptions {
  timeoutMs: number;
  speed?: string;
  signal?: AbortSignal;
}

export interface ActionRunResult {
  results: StepResult[];
  /** Index and error of the failing step, if any (later steps did not run). */
  failure?: { index: number; error: Error };
  url: string;
  title: string;
  updateState(stored: unknown): unknown;
}

/** An engine that drives a real browser page (adaptive mode). */
export interface BrowserEngine extends SessionEngine {
  /** Validates steps; throws ActionInputError. */
  parseSteps(raw: Array<Record<string, unknown>>, batch: boolean): ActionStep[];
  parseSpeed(raw: unknown): string | undefined;
  runActions(session: EngineSession, steps: ActionStep[], options: ActionRunOptions): Promise<ActionRunResult>;
  /** The URL the session's page shows now (contract §3.12: a browser_action record's `url`); undefined when it has none. */
  pageUrl(sessionId: string): string | undefined;
  /** Called when a session's browser went away under it (crash): the domain ends the session honestly. */
  onSessionLost?: (sessionId: string, accountId: string) => void;
}

export function isBrowserEngine(e: SessionEngine): e is BrowserEngine {
  return typeof (e as BrowserEngine).runActions === 'function';
}

/** A step's parameters did not validate (→ INVALID_ACTION with `field`). */
export class ActionInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ActionInputError';
  }
}

/** A step failed while running; the domain maps `kind` to the contract code. */
export class ActionError extends Error {
  constructor(
    readonly kind: 'element_not_found' | 'timeout' | 'failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ActionError';
  }
}
