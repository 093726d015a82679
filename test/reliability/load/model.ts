/** Shared vocabulary of the load run: what a client call is, what it cost, and what was expected of it. */

export type Sensibility = 'low' | 'medium' | 'high';
export const SENSIBILITIES: readonly Sensibility[] = ['low', 'medium', 'high'];

/** Contract §7.1 default prices (the load server runs without BBRE_PRICES_FILE), micro-dollars, passive mode. */
export const SESSION_CREATE_MICROS = 2000;
export const REQUEST_MICROS: Readonly<Record<Sensibility, number>> = { low: 1000, medium: 2000, high: 3000 };

export type Endpoint =
  | '/session/create'
  | '/session/request'
  | '/session/status'
  | '/session/close'
  | '/request/execute'
  | '/request/create'
  | '/request/result'
  | '/account/balance'
  | '/account/sessions';

/** Endpoints that charge (contract §7.1); the others must never move money. */
export const CHARGED: ReadonlySet<Endpoint> = new Set(['/session/create', '/session/request', '/request/execute', '/request/create']);

/** The final state of a `/request/create` task, as the client's polling saw it. */
export interface PolledOutcome {
  status: 'completed' | 'failed' | 'timeout';
  code: string | null;
  statusCode: number | null;
}

/** One API call as the client saw it. `httpStatus` undefined = no answer (connection error): the outcome is unknown. */
export interface CallRecord {
  seq: number;
  /** Client index; -1 for the driver (kills, doomed calls), -2 for the final sweep. */
  client: number;
  account: number;
  endpoint: Endpoint;
  /** Endpoint plus scenario, the key of the latency table. */
  label: string;
  /** Unique `lc` query value in the target URL: how the database row of this call is found. */
  marker?: string;
  sessionId?: string;
  /** ms since the run started. */
  startedAt: number;
  endedAt: number;
  httpStatus?: number;
  /** `error.code`, or "OK" for a success. */
  code?: string;
  /** X-BBRE-Cost in micro-dollars, when the header was sent. */
  costMicros?: number;
  networkError?: string;
  /** data.statusCode of a completed request. */
  targetStatus?: number;
  /** Task id from the answer (data.task.id, taskId or error.details.taskId). */
  taskId?: string;
  /** For `/request/create`: how the task ended, from polling `/request/result`. */
  polled?: PolledOutcome;
  /** The Retry-After header and `error.retryable` of an error answer. */
  retryAfter?: string;
  retryable?: boolean;
}

/** A 503 SERVICE_UNAVAILABLE answer (the database is down): nothing was done, nothing kept. */
export function isUnavailable(r: CallRecord): boolean {
  return r.httpStatus === 503 && r.code === 'SERVICE_UNAVAILABLE';
}

export function isUnknown(r: CallRecord): boolean {
  return r.httpStatus === undefined;
}

export function usdToMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}

export function formatUsd(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  return `${sign}$${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, '0')}`;
}

/** One account of the run as the driver created it. */
export interface LoadAccount {
  index: number;
  id: string;
  key: string;
  initialMicros: number;
  /** Runs dry on purpose: 402 INSUFFICIENT_BALANCE is an expected answer, and the driver tops it up. */
  poor: boolean;
  /** Operator credits made during the run (known outcome only). */
  topUpsMicros: number[];
}
