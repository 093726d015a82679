import type { StoredJson } from './stored-json.js';
/** Wire types shared by the server, the SDK and the CLI (contract: docs/contract/bbre-api.md). */

export const SERVICE_NAME = 'MyDisct Solver BBRE' as const;

export const MODES = ['passive', 'adaptive'] as const;
export type Mode = (typeof MODES)[number];

export const SENSIBILITIES = ['low', 'medium', 'high'] as const;
export type Sensibility = (typeof SENSIBILITIES)[number];

export const SESSION_STATUSES = ['active', 'expired', 'closed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const ENDED_REASONS = ['expired', 'closed', 'crashed', 'evicted', 'balance_exhausted'] as const;
export type EndedReason = (typeof ENDED_REASONS)[number];

export const TASK_STATUSES = ['processing', 'completed', 'failed', 'timeout'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_TYPES = ['request', 'session_request', 'browser_action', 'session_create'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const ACCOUNT_STATUSES = ['active', 'suspended', 'inactive'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Fingerprint profile, contract §1.6. */
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
  [extra: string]: unknown;
}

/** Normalised proxy (contract §1.6). Credentials are never returned or logged. */
export interface ProxySpec {
  protocol: 'http' | 'https' | 'socks5';
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/** Session object, contract §4.2. */
export interface SessionView {
  id: string;
  status: SessionStatus;
  mode: Mode;
  sensibility: Sensibility;
  timeout: number;
  requestCount: number;
  totalCharged: number;
  expiresAt: number;
  createdAt: number;
  /** As stored: serialized by splicing its text (http/envelope.ts), parsed only if read. */
  profile: StoredJson<Profile>;
  closedAt?: number;
  endedReason?: EndedReason;
}

/** Account object, contract §3.10. */
export interface AccountView {
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
  successRate: number;
  activeSessions: number;
}

/** History record, contract §3.12. */
export interface HistoryRecord {
  id: string;
  type: TaskType;
  mode: Mode;
  sensibility: Sensibility;
  status: TaskStatus;
  url: string | null;
  method: string | null;
  price: number;
  processingTime: number | null;
  createdAt: number;
  completedAt: number | null;
  sessionId?: string;
  action?: string;
}

export interface Pagination {
  total: number;
  limit: number;
  offset: number;
  hasMore: boolean;
}

export interface ErrorBody {
  code: string;
  message: string;
  details: { retryable: boolean; [key: string]: unknown };
}

export interface SuccessEnvelope {
  success: true;
  service: typeof SERVICE_NAME;
  [payload: string]: unknown;
}

export interface ErrorEnvelope {
  success: false;
  service: typeof SERVICE_NAME;
  error: ErrorBody;
}
