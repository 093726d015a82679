import type { StoredJson } from '../contract/stored-json.js';
import type { AccountStatus, EndedReason, Mode, Profile, Sensibility, SessionStatus, TaskStatus, TaskType } from '../contract/types.js';

/** Records the domain sees. Money in integer micro-dollars, times in ms since the epoch. */
export interface AccountRecord {
  id: string;
  username: string;
  email: string | null;
  status: AccountStatus;
  balanceMicros: number;
  maxSessions: number | null;
  rateLimitRps: number | null;
  rateLimitBurst: number | null;
  createdAt: number;
}

export interface ApiKeyRecord {
  prefix: string;
  accountId: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface SessionRecord {
  id: string;
  accountId: string;
  status: SessionStatus;
  mode: Mode;
  sensibility: Sensibility;
  timeoutSecs: number;
  requestCount: number;
  totalChargedMicros: number;
  expiresAt: number;
  createdAt: number;
  endedAt: number | null;
  endedReason: EndedReason | null;
  profile: StoredJson<Profile>;
  proxy: unknown;
  /** Engine state the session keeps between requests (cookie jar, …), opaque to the store. */
  state: unknown;
  maxCostMicros: number | null;
}

/** A session that just ended in the store: enough for the engines to release its resources. */
export interface EndedSessionRef {
  id: string;
  accountId: string;
  mode: Mode;
  reason: EndedReason;
}

export interface TaskRecord {
  id: string;
  accountId: string;
  type: TaskType;
  mode: Mode;
  sensibility: Sensibility;
  status: TaskStatus;
  url: string | null;
  method: string | null;
  action: string | null;
  sessionId: string | null;
  priceMicros: number;
  refunded: boolean;
  processingTimeMs: number | null;
  createdAt: number;
  completedAt: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  result: unknown;
  resultExpiresAt: number | null;
}

export type LedgerKind = 'credit' | 'charge' | 'refund' | 'adjustment';

export interface LedgerEntryRecord {
  id: number;
  accountId: string;
  kind: LedgerKind;
  amountMicros: number;
  balanceAfterMicros: number;
  taskId: string | null;
  sessionId: string | null;
  note: string | null;
  createdAt: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface NewSession {
  id: string;
  accountId: string;
  mode: Mode;
  sensibility: Sensibility;
  timeoutSecs: number;
  expiresAt: number;
  createdAt: number;
  profile: Profile;
  proxy: unknown;
  maxCostMicros: number | null;
}

export type CreateSessionOutcome =
  | { kind: 'created'; session: SessionRecord; expired: EndedSessionRef[] }
  | { kind: 'limit'; active: number; limit: number; expired: EndedSessionRef[] }
  | { kind: 'balance'; balanceMicros: number; expired: EndedSessionRef[] }
  | { kind: 'account_missing' };

export interface NewTask {
  id: string;
  accountId: string;
  type: TaskType;
  mode: Mode;
  sensibility: Sensibility;
  url: string | null;
  method: string | null;
  action: string | null;
  sessionId: string | null;
  createdAt: number;
}

export interface TaskCompletion {
  taskId: string;
  completedAt: number;
  processingTimeMs: number;
  result: unknown;
  resultExpiresAt: number;
  /** Counters (and engine state) of the owning session, moved in the same transaction. */
  session?: SessionCommit;
}

export interface SessionCommit {
  id: string;
  countRequest: boolean;
  /** Applied to the state as stored at commit time, inside the transaction (no lost concurrent update). */
  updateState?: (stored: unknown) => unknown;
}

export type CompleteOutcome =
  | { kind: 'completed'; task: TaskRecord; session?: SessionRecord }
  /** The task had already ended (refunded or completed): nothing changed. */
  | { kind: 'already_ended' }
  /** The session was closed while the work ran: nothing changed; the caller refunds. */
  | { kind: 'session_closed' };

export interface TaskFailure {
  taskId: string;
  status: 'failed' | 'timeout';
  completedAt: number;
  processingTimeMs: number;
  errorCode: string;
  errorMessage: string;
  result: unknown;
  resultExpiresAt: number;
  /**
   * Part of the reservation that is kept rather than returned (a batch of browser actions keeps the price of
   * the steps that ran before the failing one, contract §3.5). Default 0: everything is refunded.
   */
  keepMicros?: number;
  /** With a kept part: the session whose `totalCharged` counts it, and its state update, in the same transaction. */
  session?: Omit<SessionCommit, 'countRequest'>;
}

/** What a refund did: the ended task (its `priceMicros` is the net amount kept) and the amount returned. */
export interface RefundOutcome {
  task: TaskRecord;
  refundedMicros: number;
}

/** The largest balance an account may hold: $1,000,000,000, far inside 2^53 micro-dollars. */
export const MAX_BALANCE_MICROS = 1e15;

export interface HistoryFilter {
  status?: TaskStatus;
  type?: TaskType;
  startDate?: number;
  endDate?: number;
}

export interface AccountStatsRow {
  totalRequests: number;
  todayRequests: number;
  completedRequests: number;
  failedRequests: number;
}

export interface AccountListRow extends AccountRecord {
  activeSessions: number;
}

export interface AccountStore {
  createAccount(account: AccountRecord, key: { prefix: string; hash: string }, now: number): Promise<void>;
  getAccount(id: string): Promise<AccountRecord | undefined>;
  listAccounts(limit: number, offset: number, now: number): Promise<Page<AccountListRow>>;
  setStatus(id: string, status: AccountStatus, now: number): Promise<AccountRecord | undefined>;
  setLimits(id: string, limits: { maxSessions?: number | null; rateLimitRps?: number | null; rateLimitBurst?: number | null }, now: number): Promise<AccountRecord | undefined>;
  /** Adds (or, with a negative amount, removes) balance and appends a credit/adjustment entry. */
  /** `above_max`: the balance would pass MAX_BALANCE_MICROS (amounts stay exact integers in every database). */
  credit(id: string, amountMicros: number, note: string | null, now: number): Promise<{ account: AccountRecord; entry: LedgerEntryRecord } | 'not_found' | 'below_zero' | 'above_max'>;
  findKeyByHash(hash: string): Promise<{ key: ApiKeyRecord; account: AccountRecord; storedHash: string } | undefined>;
  createKey(accountId: string, key: { prefix: string; hash: string }, now: number): Promise<ApiKeyRecord>;
  listKeys(accountId: string): Promise<ApiKeyRecord[]>;
  revokeKey(prefix: string, now: number): Promise<ApiKeyRecord | undefined>;
  touchKey(prefix: string, now: number): Promise<void>;
  ledger(accountId: string, limit: number, offset: number): Promise<Page<LedgerEntryRecord>>;
}

export interface SessionStore {
  /** Expires due sessions, checks the active limit and the balance, charges the fee and inserts, atomically. */
  createSession(session: NewSession, feeMicros: number, limit: number, now: number): Promise<CreateSessionOutcome>;
  /** `withState: false` skips the engine state (status reads and lists do not need the cookie jar). */
  getSession(accountId: string, id: string, options?: { withState?: boolean }): Promise<SessionRecord | undefined>;
  /** Ends an active session; returns undefined when it was not active (someone else ended it first). */
  endSession(accountId: string, id: string, reason: EndedReason, endedAt: number): Promise<SessionRecord | undefined>;
  listSessions(accountId: string, status: SessionStatus | undefined, limit: number, offset: number): Promise<Page<SessionRecord>>;
  expireDueForAccount(accountId: string, now: number): Promise<EndedSessionRef[]>;
  expireDue(now: number, max: number): Promise<EndedSessionRef[]>;
  endAllForAccount(accountId: string, reason: EndedReason, now: number): Promise<EndedSessionRef[]>;
  countActive(accountId: string): Promise<number>;
  /** Shutdown: the listed active sessions (those whose live resources this process holds) end with `reason`. */
  endSessionsById(ids: readonly string[], reason: EndedReason, now: number): Promise<number>;
  /**
   * Recovery: the active sessions of a mode that cannot outlive their node end with `reason`. Those of this store's
   * node (and of no recorded node) by default, or those of the dead node `nodeId`.
   */
  endAllOfMode(mode: 'passive' | 'adaptive', reason: EndedReason, now: number, nodeId?: string): Promise<number>;
  countActiveByMode(): Promise<Record<string, number>>;
  purgeEnded(before: number): Promise<number>;
  saveState(accountId: string, id: string, state: unknown): Promise<void>;
  /** Of `ids`, those that are no longer active (ended by another process, or purged), with their end reason. */
  endedAmong(ids: readonly string[]): Promise<Array<{ id: string; accountId: string; reason: EndedReason }>>;
  /** Operator surface only (admin close by id): the owning account of a session. */
  findOwner(id: string): Promise<string | undefined>;
}

export interface BillingStore {
  /** Charges `amountMicros` (if > 0) and inserts the task as processing, atomically; false when the balance is short. */
  reserve(task: NewTask, amountMicros: number): Promise<boolean>;
  complete(accountId: string, completion: TaskCompletion): Promise<CompleteOutcome>;
  /** Marks the task failed/timeout and returns its charge; a task already finished is left alone. */
  refund(accountId: string, failure: TaskFailure): Promise<RefundOutcome | undefined>;
  /** Undoes a session creation whose allocation failed: the fee goes back, the history record says failed. */
  refundSessionCreate(accountId: string, sessionId: string, now: number): Promise<void>;
  /**
   * Recovery: every task left processing ends failed and refunded. This store's node's tasks (and those of no
   * recorded node) by default, or those of the dead node `nodeId`.
   */
  refundAllProcessing(now: number, errorCode: string, errorMessage: string, resultExpiresAt: number, nodeId?: string): Promise<number>;
  /** IDs of this store's node's tasks still processing that were created before `before`. */
  processingTaskIds(before: number): Promise<string[]>;
  /** Ends the listed tasks that are still processing failed and refunded (work this node gave up on). */
  refundTasks(ids: readonly string[], now: number, errorCode: string, errorMessage: string, resultExpiresAt: number): Promise<{ tasks: number; refundedMicros: number }>;
  balanceOf(accountId: string): Promise<number | undefined>;
}

export interface TaskStore {
  getTask(accountId: string, id: string): Promise<TaskRecord | undefined>;
  history(accountId: string, filter: HistoryFilter, limit: number, offset: number): Promise<Page<TaskRecord>>;
  statistics(accountId: string, todayStart: number): Promise<AccountStatsRow>;
  purgeResults(now: number): Promise<number>;
}

/** The servers sharing the database, by heartbeat. */
export interface NodeStore {
  /** This node's ID (sessions and tasks it creates carry it). */
  readonly self: string | null;
  /** Records that this node is alive at `now`. */
  heartbeat(now: number): Promise<void>;
  /** Other nodes whose last heartbeat is older than `before`. */
  deadNodes(before: number): Promise<string[]>;
  /** Forgets a node once what it left behind is recovered. */
  forget(nodeId: string): Promise<void>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly accounts: AccountStore;
  readonly sessions: SessionStore;
  readonly billing: BillingStore;
  readonly tasks: TaskStore;
  readonly nodes: NodeStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}
