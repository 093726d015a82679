import { clientError, taskFailure } from './errors.js';
import type { RenewingSession, RenewingSessionOptions } from './renewing-session.js';
import type { BBRESession } from './session.js';
import { Transport, bindTransport, sleep, transportOf } from './transport.js';
import type {
  AccountInfo,
  BBREClientOptions,
  BodyShortcutOptions,
  ClientRequestOptions,
  CreateSessionOptions,
  CreatedTask,
  HistoryList,
  HistoryOptions,
  Mode,
  RequestResult,
  SessionInfo,
  SessionList,
  SessionListOptions,
  Sensibility,
  ShortcutOptions,
  StatelessRequestOptions,
  TaskResult,
  TaskStatus,
} from './types.js';

export const DEFAULT_BASE_URL = 'https://bbre-solver-api.mydisct.com';
const DEFAULT_POLLING_INTERVAL_MS = 2000;
const DEFAULT_RETRIES = 2;
const DEFAULT_RETRY_DELAY_MS = 500;
/** Contract §3.6: a task's timeout when the request names none. */
const DEFAULT_TASK_TIMEOUT_SECS = 30;
/** Contract §8.2: async polling gives up at the task's timeout plus this. */
const POLL_GRACE_SECS = 10;

function envBaseUrl(): string | undefined {
  const value = typeof process === 'object' && process !== null ? process.env?.BBRE_API_BASE : undefined;
  return value && value.trim() ? value.trim() : undefined;
}

function nonNegative(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/** Drops `undefined` members, so the server applies its own defaults. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Client of a BBRE server: stateless requests (synchronous, or as tasks polled to the end), account reads and
 * session management. `require('bbre-sdk')` returns this class.
 */
export class BBREClient {
  private readonly settings: Readonly<BBREClientOptions>;
  private defaultMode: Mode;
  private defaultSensibility: Sensibility;
  private defaultTimeout: number | undefined;
  private readonly pollingIntervalMs: number;

  constructor(options: BBREClientOptions) {
    if (!options || typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
      throw clientError('API_KEY_REQUIRED', 'An apiKey is required: new BBREClient({ apiKey }).');
    }
    this.settings = { ...options };
    this.defaultMode = options.mode ?? 'passive';
    this.defaultSensibility = options.sensibility ?? 'medium';
    this.defaultTimeout = options.timeout;
    this.pollingIntervalMs = nonNegative(options.pollingInterval, DEFAULT_POLLING_INTERVAL_MS);
    const baseUrl = (options.baseUrl ?? options.apiBase ?? options.baseURL ?? envBaseUrl() ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    bindTransport(
      this,
      new Transport({
        apiKey: options.apiKey,
        baseUrl,
        retries: Math.floor(nonNegative(options.retries, DEFAULT_RETRIES)),
        retryDelayMs: nonNegative(options.retryDelay, DEFAULT_RETRY_DELAY_MS),
        fetch: options.fetch ?? ((url, init) => globalThis.fetch(url, init)),
        onRetry: options.onRetry,
      }),
    );
  }

  /** The server root the client talks to. */
  get baseUrl(): string {
    return transportOf(this).baseUrl;
  }

  /** Mode of stateless requests and new sessions. @default 'passive' */
  get mode(): Mode {
    return this.defaultMode;
  }

  /** Sensibility of stateless requests and new sessions. @default 'medium' */
  get sensibility(): Sensibility {
    return this.defaultSensibility;
  }

  /** Request timeout in seconds; `undefined` leaves it to the server. */
  get timeout(): number | undefined {
    return this.defaultTimeout;
  }

  /** Milliseconds between polls of an async request. @default 2000 */
  get pollingInterval(): number {
    return this.pollingIntervalMs;
  }

  setDefaultMode(mode: Mode): this {
    this.defaultMode = mode;
    return this;
  }

  setDefaultSensibility(sensibility: Sensibility): this {
    this.defaultSensibility = sensibility;
    return this;
  }

  setDefaultTimeout(timeout: number | undefined): this {
    this.defaultTimeout = timeout;
    return this;
  }

  /**
   * A stateless request: `/request/execute`, or with `async: true` a task created with `/request/create` and polled
   * every `pollingInterval` until it ends. A failed or timed-out task throws its BBREError; polling gives up at the
   * task's timeout plus 10 s with `REQUEST_TIMEOUT` (`details.taskId` names the task).
   */
  async request(options: ClientRequestOptions): Promise<RequestResult> {
    const { async: asTask, ...rest } = options;
    const body = this.statelessBody(rest);
    if (!asTask) return (await transportOf(this).call<{ data: RequestResult }>('/request/execute', { body })).data;
    return this.runTask(body);
  }

  get(url: string, options: ShortcutOptions = {}): Promise<RequestResult> {
    return this.request({ ...options, url, method: 'GET' });
  }

  delete(url: string, options: ShortcutOptions = {}): Promise<RequestResult> {
    return this.request({ ...options, url, method: 'DELETE' });
  }

  head(url: string, options: ShortcutOptions = {}): Promise<RequestResult> {
    return this.request({ ...options, url, method: 'HEAD' });
  }

  options(url: string, options: ShortcutOptions = {}): Promise<RequestResult> {
    return this.request({ ...options, url, method: 'OPTIONS' });
  }

  post(url: string, body?: ClientRequestOptions['body'], options: BodyShortcutOptions = {}): Promise<RequestResult> {
    return this.request({ ...options, url, method: 'POST', body });
  }

  put(url: string, body?: ClientRequestOptions['body'], options: BodyShortcutOptions = {}): Promise<RequestResult> {
    return this.request({ ...options, url, method: 'PUT', body });
  }

  patch(url: string, body?: ClientRequestOptions['body'], options: BodyShortcutOptions = {}): Promise<RequestResult> {
    return this.request({ ...options, url, method: 'PATCH', body });
  }

  /** `/request/create`: starts a stateless task and answers at once. */
  async createTask(options: StatelessRequestOptions): Promise<CreatedTask> {
    const out = await transportOf(this).call<{ taskId: string; data: { task: { id: string; status: TaskStatus } } }>('/request/create', {
      body: this.statelessBody(options),
    });
    return { taskId: out.taskId ?? out.data.task.id, status: out.data.task.status };
  }

  /** One `/request/result` read: the task, and the result fields once it completed. */
  async getResult(taskId: string): Promise<TaskResult> {
    return (await transportOf(this).call<{ data: TaskResult }>('/request/result', { body: { taskId } })).data;
  }

  /** Current balance in USD. */
  async getBalance(): Promise<number> {
    return (await transportOf(this).call<{ balance: number }>('/account/balance', { method: 'GET' })).balance;
  }

  async getAccountInfo(): Promise<AccountInfo> {
    const out = await transportOf(this).call<AccountInfo>('/account/info', { method: 'GET' });
    return { account: out.account, statistics: out.statistics };
  }

  /** The account's sessions, newest first. */
  async getSessions(options: SessionListOptions = {}): Promise<SessionList> {
    const out = await transportOf(this).call<SessionList>('/account/sessions', { body: compact(options) });
    return { sessions: out.sessions, pagination: out.pagination };
  }

  /** The account's tasks and session creations, newest first. */
  async getHistory(options: HistoryOptions = {}): Promise<HistoryList> {
    const out = await transportOf(this).call<HistoryList>('/account/history', { body: compact(options) });
    return { history: out.history, pagination: out.pagination };
  }

  /**
   * Creates and starts a session with this client's settings. `timeout` (or `sessionTime`) is the session's
   * lifetime in seconds.
   */
  async createSession(options: CreateSessionOptions = {}): Promise<BBRESession> {
    const { BBRESession } = await import('./session.js');
    const session = new BBRESession({ ...this.sessionSettings(options) });
    await session.start();
    return session;
  }

  /**
   * Creates and starts a session that renews itself before it expires, carrying its cookies over (the proactive
   * renewal pattern). `renewBefore` is in seconds. @default renewBefore 15
   */
  async createRenewingSession(options: CreateSessionOptions & { renewBefore?: number } = {}): Promise<RenewingSession> {
    const { RenewingSession } = await import('./renewing-session.js');
    const session = new RenewingSession({ ...this.sessionSettings(options), renewBefore: options.renewBefore });
    await session.start();
    return session;
  }

  /** `/session/close`; resolves `true`. */
  async closeSession(sessionId: string): Promise<true> {
    await transportOf(this).call('/session/close', { body: { sessionId } });
    return true;
  }

  /** `/session/status`: the session object, its expiry reconciled by the server. */
  async getSessionStatus(sessionId: string): Promise<SessionInfo> {
    return (await transportOf(this).call<{ session: SessionInfo }>('/session/status', { body: { sessionId } })).session;
  }

  /** The body of a stateless call: the request's own values over the client's defaults. */
  protected statelessBody(options: StatelessRequestOptions): StatelessRequestOptions {
    return compact({ ...options, mode: options.mode ?? this.defaultMode, sensibility: options.sensibility ?? this.defaultSensibility, timeout: options.timeout ?? this.defaultTimeout });
  }

  private sessionSettings(options: CreateSessionOptions): RenewingSessionOptions {
    return compact({
      ...this.settings,
      mode: options.mode ?? this.defaultMode,
      sensibility: options.sensibility ?? this.defaultSensibility,
      timeout: this.defaultTimeout,
      sessionTime: options.timeout ?? options.sessionTime,
      fingerprint: options.fingerprint,
      proxy: options.proxy,
      forceMode: options.forceMode,
      browserSpeed: options.browserSpeed,
      maxCost: options.maxCost,
    });
  }

  private async runTask(body: StatelessRequestOptions): Promise<RequestResult> {
    const { taskId } = await this.createTask(body);
    const deadline = Date.now() + ((body.timeout ?? DEFAULT_TASK_TIMEOUT_SECS) + POLL_GRACE_SECS) * 1000;
    for (;;) {
      await sleep(Math.min(this.pollingIntervalMs, deadline - Date.now()));
      const data = await this.getResult(taskId);
      if (data.task.status === 'completed') return data as RequestResult;
      if (data.task.status === 'failed' || data.task.status === 'timeout') throw taskFailure(data.task, body.method ?? 'GET');
      if (Date.now() >= deadline) {
        throw clientError('REQUEST_TIMEOUT', `Task ${taskId} did not finish in time; read it later with getResult().`, { taskId, retryable: false });
      }
    }
  }
}
