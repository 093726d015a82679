import type { CallLog, CallResult } from './call-log.js';
import type { LoadAccount } from './model.js';
import type { Random } from './random.js';

/** Where the calls aim: the local target site, a port nobody listens on, and a target that never answers. */
export interface Targets {
  site: string;
  closedPort: number;
  hold: string;
}

export type Scenario = 'page' | 'status404' | 'closed' | 'slow' | 'setCookie' | 'echo';

/** What the API must answer for a scenario (a target's 404 is a completed, charged task). */
export interface Expected {
  status: number;
  code: string;
  targetStatus?: number;
  /** The call reserved a charge and failed: the answer must say `refunded: true`. */
  refunded?: boolean;
}

export const EXPECTED: Readonly<Record<Scenario, Expected>> = {
  page: { status: 200, code: 'OK', targetStatus: 200 },
  status404: { status: 200, code: 'OK', targetStatus: 404 },
  closed: { status: 502, code: 'TARGET_UNREACHABLE', refunded: true },
  slow: { status: 504, code: 'REQUEST_TIMEOUT', refunded: true },
  setCookie: { status: 200, code: 'OK', targetStatus: 200 },
  echo: { status: 200, code: 'OK', targetStatus: 200 },
};

/** The /slow target answers after this; the request's own timeout is 1 s, so the call ends 504, refunded. */
const SLOW_TARGET_MS = 5_000;
const SLOW_TIMEOUT_SECS = 1;
const DEFAULT_TIMEOUT_SECS = 30;

/** The target URL (carrying the call's marker) and the request timeout of a scenario. */
export function scenarioRequest(targets: Targets, scenario: Scenario, marker: string, cookie?: { name: string; value: string }): { url: string; timeout: number } {
  const lc = `lc=${marker}`;
  switch (scenario) {
    case 'page':
      return { url: `${targets.site}/page?${lc}`, timeout: DEFAULT_TIMEOUT_SECS };
    case 'status404':
      return { url: `${targets.site}/status/404?${lc}`, timeout: DEFAULT_TIMEOUT_SECS };
    case 'closed':
      return { url: `http://127.0.0.1:${targets.closedPort}/x?${lc}`, timeout: DEFAULT_TIMEOUT_SECS };
    case 'slow':
      return { url: `${targets.site}/slow?ms=${SLOW_TARGET_MS}&${lc}`, timeout: SLOW_TIMEOUT_SECS };
    case 'setCookie':
      return { url: `${targets.site}/set-cookie?name=${cookie!.name}&value=${cookie!.value}&${lc}`, timeout: DEFAULT_TIMEOUT_SECS };
    case 'echo':
      return { url: `${targets.site}/echo?${lc}`, timeout: DEFAULT_TIMEOUT_SECS };
  }
}

/** `unavailable`: 503 SERVICE_UNAVAILABLE during a database outage (the call did nothing; the client carries on). */
export type Verdict = 'as-expected' | 'refused' | 'unavailable' | 'unknown' | 'unexpected';

/** Everything a client loop needs; one per client. */
export class ClientContext {
  private markers = 0;
  /** Set after an answer that calls for a pause (402 on the poor account, no answer during a kill). */
  backoff = false;

  constructor(
    readonly index: number,
    readonly account: LoadAccount,
    readonly log: CallLog,
    readonly rng: Random,
    readonly targets: Targets,
    /** True once the run's duration is over (or SIGINT). */
    readonly stopping: () => boolean,
    /** Some sessions are left to expire (timeout 60 s) instead of being closed; only worth it in long runs. */
    readonly abandonSessions: boolean,
    /** Unique per context in the run; the clients use `c<index>`. */
    private readonly markerPrefix = `c${index}`,
  ) {}

  /** A marker unique in the run: `lc=<marker>` in the target URL finds the call's task row. */
  marker(): string {
    return `${this.markerPrefix}n${++this.markers}`;
  }

  /**
   * Judges an answer against the scenario's expectation and the price: a success costs `priceMicros`, an error
   * nothing, and a failure says `refunded: true`. The poor account may answer 402 to any charged call.
   */
  judge(res: CallResult, expected: Expected, priceMicros: number): Verdict {
    const r = res.record;
    if (r.httpStatus === undefined) {
      this.backoff = true;
      return 'unknown';
    }
    if (this.log.acceptedUnavailable(r)) {
      this.backoff = true;
      return 'unavailable';
    }
    if (r.httpStatus === 402 && r.code === 'INSUFFICIENT_BALANCE' && this.account.poor) {
      if ((r.costMicros ?? 0) !== 0) this.log.violation(`402 with X-BBRE-Cost ${r.costMicros} on ${r.label} (call ${r.seq})`);
      this.backoff = true;
      return 'refused';
    }
    if (r.httpStatus !== expected.status || r.code !== expected.code) {
      this.log.violation(`${r.label}: expected ${expected.status} ${expected.code}, got ${r.httpStatus} ${r.code} (call ${r.seq}, account ${r.account})`);
      return 'unexpected';
    }
    if (expected.targetStatus !== undefined && r.targetStatus !== expected.targetStatus) {
      this.log.violation(`${r.label}: target status ${r.targetStatus}, expected ${expected.targetStatus} (call ${r.seq})`);
    }
    const wantCost = expected.status === 200 ? priceMicros : 0;
    if ((r.costMicros ?? 0) !== wantCost) this.log.violation(`${r.label}: X-BBRE-Cost ${r.costMicros} µ$, expected ${wantCost} (call ${r.seq})`);
    if (expected.refunded && res.body?.error?.details?.refunded !== true) this.log.violation(`${r.label}: ${r.code} without refunded: true (call ${r.seq})`);
    return 'as-expected';
  }

  /**
   * A short random pause between calls, and a longer one after a refusal or a lost connection. While the server
   * is down (a kill), the client waits for the restart and then carries on with the same session: that is what
   * shows passive sessions survive a restart.
   */
  async pause(rng: Random = this.rng): Promise<void> {
    for (let waited = 0; this.log.serverDown() && waited < 60_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    const ms = this.backoff ? 200 + rng.int(0, 100) : rng.int(0, 10);
    this.backoff = false;
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
