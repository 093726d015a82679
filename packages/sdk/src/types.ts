/** Wire shapes of the BBRE HTTP API, as the SDK sends and returns them. */

import type { BBREError } from './errors.js';

export type Mode = 'passive' | 'adaptive';
export type Sensibility = 'low' | 'medium' | 'high';
export type SessionStatus = 'active' | 'expired' | 'closed';
export type EndedReason = 'expired' | 'closed' | 'crashed' | 'evicted' | 'balance_exhausted';
export type TaskStatus = 'processing' | 'completed' | 'failed' | 'timeout';
export type TaskType = 'request' | 'session_request' | 'browser_action' | 'session_create';
export type AccountStatus = 'active' | 'suspended' | 'inactive';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
/** Pacing of browser actions. */
export type BrowserSpeed = 'instant' | 'fast' | 'normal' | 'slow' | 'human';

/** The fingerprint profile of a session or a stateless task; `fingerprint` inputs take any subset of it. */
export interface Profile {
  userAgent?: string;
  platform?: string;
  language?: string;
  languages?: string[];
  timezone?: string;
  screen?: { width: number; height: number };
  viewport?: { width: number; height: number };
  deviceMemory?: number;
  hardwareConcurrency?: number;
  webgl?: { vendor: string; renderer: string };
  headers?: Record<string, string>;
}

/** A proxy as an object; a URL string (`http://user:pass@host:8080`, `socks5://…`) is accepted as well. */
export interface ProxyConfig {
  protocol: 'http' | 'https' | 'socks5';
  host: string;
  port: number;
  username?: string;
  password?: string;
}

export type Proxy = string | ProxyConfig;

/** A cookie with its attributes; `expires` (ms epoch, seconds epoch or a date string) in the past deletes it. */
export interface Cookie {
  name: string;
  value: string;
  domain?: string;
  path?: string;
  expires?: number | string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'Strict' | 'Lax' | 'None';
}

export type CookieAttributes = Omit<Cookie, 'name' | 'value'>;

/** Options of one HTTP request to a target. */
export interface RequestOptions {
  /** Absolute http(s) URL of the target. */
  url: string;
  /** Any case; the server refuses other methods with `INVALID_METHOD`. @default 'GET' */
  method?: HttpMethod | Lowercase<HttpMethod> | (string & {});
  headers?: Record<string, string>;
  /**
   * A string is sent as is; any other JSON value as JSON, or form-encoded when `headers` sets
   * `content-type: application/x-www-form-urlencoded` (an object). Not sent with GET and HEAD.
   */
  body?: unknown;
  /** `'base64'` when `body` is a base64 string of binary data. */
  bodyEncoding?: 'utf8' | 'base64';
  /** Appended to the URL's query string; arrays repeat the key. */
  params?: Record<string, string | number | boolean | Array<string | number | boolean>>;
  /** Alias of `params`. */
  query?: Record<string, string | number | boolean | Array<string | number | boolean>>;
  /** Merged into the cookie jar before sending. */
  cookies?: Record<string, string> | Cookie[];
  /** Seconds. @default the client's `timeout`, else the server's default */
  timeout?: number;
  /** @default true */
  followRedirects?: boolean;
  /** Alias of `followRedirects`. */
  allowRedirects?: boolean;
  /** @default 10 */
  maxRedirects?: number;
  /** @default true */
  verifySSL?: boolean;
  /** Alias of `verifySSL`. */
  verify?: boolean;
  /** HTTP basic credentials. */
  auth?: { username: string; password: string };
  /** USD: refuse the call when its price is higher. */
  maxCost?: number;
}

/** Options of a stateless request. */
export interface StatelessRequestOptions extends RequestOptions {
  /** @default the client's mode */
  mode?: Mode;
  /** @default the client's sensibility */
  sensibility?: Sensibility;
  proxy?: Proxy;
  fingerprint?: Profile;
}

/** `request()` options: `async: true` creates a task and polls it instead of one synchronous call. */
export interface ClientRequestOptions extends StatelessRequestOptions {
  async?: boolean;
}

/** Options of the verb shortcuts (`get(url, opts)`, `post(url, body, opts)`). */
export type ShortcutOptions = Omit<ClientRequestOptions, 'url' | 'method'>;
export type BodyShortcutOptions = Omit<ClientRequestOptions, 'url' | 'method' | 'body'>;

export interface TaskError {
  code: string;
  message: string;
}

/** The task part of a result. */
export interface TaskInfo {
  id: string;
  status: TaskStatus;
  /** Milliseconds from acceptance to the terminal state. */
  processingTime?: number;
  error?: TaskError;
  refunded?: boolean;
}

export interface RedirectHop {
  url: string;
  statusCode: number;
  location: string;
}

/** What a finished request returns: the target's final answer. */
export interface RequestResult {
  task: TaskInfo;
  /** HTTP status of the target's final answer (a 4xx/5xx here is a completed request, not an error). */
  statusCode: number;
  /** Lowercased names; `set-cookie` is an array. */
  headers: Record<string, string | string[]>;
  /** Text, or base64 when `bodyEncoding` is `'base64'`. */
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  truncated: boolean;
  /** Cookies the target set during this request, every hop included. */
  cookies: Record<string, string>;
  /** Final URL after redirects. */
  url: string;
  redirects: RedirectHop[];
  profile: Profile;
}

/** `getResult()`: the task, plus the result fields once it completed. */
export type TaskResult = { task: TaskInfo } & Partial<Omit<RequestResult, 'task'>>;

/** `createTask()`. */
export interface CreatedTask {
  taskId: string;
  status: TaskStatus;
}

/** The session object. */
export interface SessionInfo {
  id: string;
  status: SessionStatus;
  mode: Mode;
  sensibility: Sensibility;
  /** Effective lifetime in seconds (after the server's clamp). */
  timeout: number;
  requestCount: number;
  /** USD charged for the session's requests and browser actions (not its creation). */
  totalCharged: number;
  /** ms epoch; the authoritative expiry. */
  expiresAt: number;
  createdAt: number;
  profile: Profile;
  closedAt?: number;
  endedReason?: EndedReason;
}

/** The session summary a session request answers with. */
export type SessionSummary = Pick<SessionInfo, 'id' | 'status' | 'requestCount' | 'totalCharged' | 'expiresAt'>;

export interface AccountDetails {
  id: string;
  username: string;
  email: string | null;
  status: AccountStatus;
  balance: number;
  createdAt: number;
}

export interface AccountStatistics {
  totalRequests: number;
  todayRequests: number;
  completedRequests: number;
  failedRequests: number;
  /** Percentage, two decimals. */
  successRate: number;
  activeSessions: number;
}

export interface AccountInfo {
  account: AccountDetails;
  statistics: AccountStatistics;
}

export interface Pagination {
  total: number;
  limit: number;
  offset: number;
  hasMore: boolean;
}

export interface SessionListOptions {
  status?: SessionStatus;
  /** 1–100. @default 20 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

export interface SessionList {
  sessions: SessionInfo[];
  pagination: Pagination;
}

export interface HistoryOptions {
  status?: TaskStatus;
  type?: TaskType;
  /** Inclusive bound on `createdAt`: ms epoch or ISO 8601. */
  startDate?: number | string;
  endDate?: number | string;
  /** 1–100. @default 20 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

export interface HistoryRecord {
  id: string;
  type: TaskType;
  mode: Mode;
  sensibility: Sensibility;
  status: TaskStatus;
  url: string | null;
  method: string | null;
  /** Net USD kept (0 when refunded). */
  price: number;
  processingTime: number | null;
  createdAt: number;
  completedAt: number | null;
  sessionId?: string;
  /** Browser actions: the action name, or `"batch"`. */
  action?: string;
}

export interface HistoryList {
  history: HistoryRecord[];
  pagination: Pagination;
}

/** What a retry is about to do, for `onRetry`. */
export interface RetryEvent {
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
  path: string;
  error: BBREError;
}

/** The subset of `fetch` the SDK uses; the global `fetch` fits. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;

export interface BBREClientOptions {
  /** Sent as `X-API-Key`. Required. */
  apiKey: string;
  /** Server root. @default env `BBRE_API_BASE`, else `https://bbre-solver-api.mydisct.com` */
  baseUrl?: string;
  /** Alias of `baseUrl`. */
  apiBase?: string;
  /** Alias of `baseUrl`. */
  baseURL?: string;
  /** @default 'passive' */
  mode?: Mode;
  /** @default 'medium' */
  sensibility?: Sensibility;
  /** Request timeout in seconds, sent as `timeout`. @default the server's default */
  timeout?: number;
  /** Milliseconds between polls of an async request. @default 2000 */
  pollingInterval?: number;
  /** Automatic retries of errors marked retryable. @default 2 */
  retries?: number;
  /** Backoff base in ms: `max(Retry-After, retryDelay × 2^attempt)` plus up to 20 % jitter. @default 500 */
  retryDelay?: number;
  /** @default globalThis.fetch */
  fetch?: FetchLike;
  /** Called before each automatic retry. */
  onRetry?: (event: RetryEvent) => void;
}

/** `createSession()` options. */
export interface CreateSessionOptions {
  /** @default the client's mode */
  mode?: Mode;
  /** @default the client's sensibility */
  sensibility?: Sensibility;
  /** Session lifetime in seconds (60–3600, clamped by the server). @default 300 */
  timeout?: number;
  /** Same as `timeout`; `timeout` wins when both are given. */
  sessionTime?: number;
  fingerprint?: Profile;
  proxy?: Proxy;
  /** Never fall back to stateless requests: a request without an active session throws `SESSION_NOT_ACTIVE`. */
  forceMode?: boolean;
  /** Pacing of browser actions, sent as `speed`. @default the server's default for the sensibility */
  browserSpeed?: BrowserSpeed;
  /** USD: refuse the creation when its price is higher. */
  maxCost?: number;
}

/** `new BBRESession()` options: client options plus the session's own. */
export interface BBRESessionOptions extends BBREClientOptions {
  /** Session lifetime in seconds, sent as `timeout` on creation. @default 300 */
  sessionTime?: number;
  /** @default false */
  forceMode?: boolean;
  browserSpeed?: BrowserSpeed;
  fingerprint?: Profile;
  proxy?: Proxy;
  /** USD: refuse the creation when its price is higher. */
  maxCost?: number;
}

/** `start()`. */
export interface StartedSession {
  sessionId: string;
  expiresAt: number;
  profile: Profile;
}
