import type { Generated } from 'kysely';

/** Row types. Money is integer micro-dollars; timestamps are ms since the epoch. */
export interface AccountsTable {
  id: string;
  username: string;
  email: string | null;
  status: string;
  balance_micros: number;
  max_sessions: number | null;
  rate_limit_rps: number | null;
  rate_limit_burst: number | null;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  prefix: string;
  account_id: string;
  key_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface SessionsTable {
  id: string;
  account_id: string;
  status: string;
  mode: string;
  sensibility: string;
  timeout_secs: number;
  request_count: number;
  total_charged_micros: number;
  expires_at: number;
  created_at: number;
  ended_at: number | null;
  ended_reason: string | null;
  profile_json: string;
  proxy_json: string | null;
  state_json: string | null;
  max_cost_micros: number | null;
  /** The node that created the session (it holds an adaptive session's browser context). */
  node_id: string | null;
}

export interface TasksTable {
  id: string;
  account_id: string;
  type: string;
  mode: string;
  sensibility: string;
  status: string;
  url: string | null;
  method: string | null;
  action: string | null;
  session_id: string | null;
  price_micros: number;
  refunded: number;
  processing_time_ms: number | null;
  created_at: number;
  completed_at: number | null;
  error_code: string | null;
  error_message: string | null;
  result_json: string | null;
  result_expires_at: number | null;
  /** The node that runs (ran) the task. */
  node_id: string | null;
}

export interface LedgerTable {
  id: Generated<number>;
  account_id: string;
  kind: string;
  amount_micros: number;
  balance_after_micros: number;
  task_id: string | null;
  session_id: string | null;
  note: string | null;
  created_at: number;
}

export interface NodesTable {
  id: string;
  started_at: number;
  last_seen: number;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  tasks: TasksTable;
  ledger: LedgerTable;
  nodes: NodesTable;
}
