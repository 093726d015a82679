/**
 * The one list of every error a client can see (contract §5). Each entry carries the HTTP status,
 * whether the same call may be retried unchanged, and the default message.
 */
export interface ErrorSpec {
  readonly status: number;
  readonly retryable: boolean;
  readonly message: string;
}

export const ERRORS = {
  API_KEY_REQUIRED: { status: 401, retryable: false, message: 'API key is required.' },
  INVALID_API_KEY: { status: 403, retryable: false, message: 'The API key is not valid.' },
  ACCOUNT_SUSPENDED: { status: 403, retryable: false, message: 'Your account has been suspended.' },
  ACCOUNT_INACTIVE: { status: 403, retryable: false, message: 'Your account is inactive.' },
  SESSION_ID_REQUIRED: { status: 400, retryable: false, message: 'Session ID is required.' },
  SESSION_NOT_FOUND: { status: 404, retryable: false, message: 'Session not found.' },
  SESSION_EXPIRED: { status: 400, retryable: false, message: 'The session has expired.' },
  SESSION_CLOSED: { status: 400, retryable: false, message: 'The session is closed.' },
  SESSION_LIMIT_REACHED: { status: 429, retryable: false, message: 'The active session limit of this account is reached.' },
  INSUFFICIENT_BALANCE: { status: 402, retryable: false, message: 'Insufficient balance for this operation.' },
  PRICE_ABOVE_MAX_COST: { status: 402, retryable: false, message: 'The price of this operation is above maxCost.' },
  INVALID_REQUEST: { status: 400, retryable: false, message: 'The request is not valid.' },
  URL_REQUIRED: { status: 400, retryable: false, message: 'URL is required.' },
  INVALID_URL: { status: 400, retryable: false, message: 'The URL is not a valid http(s) URL.' },
  INVALID_METHOD: { status: 400, retryable: false, message: 'The HTTP method is not supported.' },
  INVALID_MODE: { status: 400, retryable: false, message: 'Mode must be "passive" or "adaptive".' },
  INVALID_SENSIBILITY: { status: 400, retryable: false, message: 'Sensibility must be "low", "medium" or "high".' },
  INVALID_TIMEOUT: { status: 400, retryable: false, message: 'The timeout is out of range.' },
  TASK_ID_REQUIRED: { status: 400, retryable: false, message: 'Task ID is required.' },
  TASK_NOT_FOUND: { status: 404, retryable: false, message: 'Task not found.' },
  ADAPTIVE_MODE_REQUIRED: { status: 400, retryable: false, message: 'Browser actions need an adaptive session.' },
  ACTION_REQUIRED: { status: 400, retryable: false, message: 'An action is required.' },
  INVALID_ACTION: { status: 400, retryable: false, message: 'The action is not valid.' },
  ELEMENT_NOT_FOUND: { status: 422, retryable: false, message: 'No element matched the selector.' },
  BROWSER_ACTION_FAILED: { status: 422, retryable: false, message: 'The browser action failed.' },
  BROWSER_TIMEOUT: { status: 504, retryable: false, message: 'The browser action did not finish in time.' },
  REQUEST_TIMEOUT: { status: 504, retryable: true, message: 'The target did not answer in time.' },
  TARGET_UNREACHABLE: { status: 502, retryable: true, message: 'The target could not be reached.' },
  TARGET_NOT_ALLOWED: { status: 403, retryable: false, message: 'The target address is not allowed.' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, message: 'The request body is too large.' },
  RATE_LIMIT_EXCEEDED: { status: 429, retryable: true, message: 'Rate limit exceeded.' },
  SERVICE_UNAVAILABLE: { status: 503, retryable: true, message: 'The service is temporarily unavailable.' },
  SERVICE_ERROR: { status: 500, retryable: true, message: 'An internal error occurred. Please try again later.' },
  NOT_FOUND: { status: 404, retryable: false, message: 'Not found.' },
  METHOD_NOT_ALLOWED: { status: 405, retryable: false, message: 'Method not allowed.' },
  ADMIN_TOKEN_REQUIRED: { status: 401, retryable: false, message: 'Admin token is required.' },
  INVALID_ADMIN_TOKEN: { status: 403, retryable: false, message: 'The admin token is not valid.' },
  ACCOUNT_NOT_FOUND: { status: 404, retryable: false, message: 'Account not found.' },
  KEY_NOT_FOUND: { status: 404, retryable: false, message: 'API key not found.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERRORS, code);
}
