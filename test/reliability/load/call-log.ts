import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { CHARGED, isUnavailable, usdToMicros, type CallRecord, type Endpoint } from './model.js';

const CALL_TIMEOUT_MS = 180_000;
/** After a restart, keep-alive sockets to the dead server may still fail for a moment. */
const FAULT_GRACE_MS = 3_000;
const MAX_KEPT_VIOLATIONS = 200;
/**
 * After PostgreSQL is back and /ready answered 200, a call that started before may still meet a connection the
 * outage broke: 503 stays acceptable for a moment.
 */
export const OUTAGE_GRACE_MS = 3_000;
/** 5xx answers the load may legitimately get: the target failures (502, 504) and 503 during a database outage. */
const EXPECTED_5XX = new Set([502, 503, 504]);

/** One kill -9: from the kill until the restarted server answered /health. */
export interface FaultWindow {
  killedAt: number;
  healthyAt?: number;
  /** Wall-clock time of the kill, to compare with the database's timestamps. */
  killedAtEpochMs: number;
}

/** One PostgreSQL stop (`-m immediate`) and restart while the BBRE server keeps running. */
export interface OutageWindow {
  /** ms since the run started. */
  stoppedAt: number;
  /** PostgreSQL accepts connections again. */
  restartedAt?: number;
  /** The server's /ready answered 200 again. */
  readyAt?: number;
}

export interface CallSpec {
  client: number;
  account: number;
  key: string;
  endpoint: Endpoint;
  label: string;
  body: Record<string, unknown>;
  marker?: string;
  sessionId?: string;
}

export interface CallResult {
  record: CallRecord;
  /** Parsed JSON answer; undefined when there was no answer. */
  body: any;
}

/**
 * Every call of the run goes through here: it is sent once (undici never retries a POST), timed, and recorded
 * with its outcome. Violations found while the load runs are collected here as well.
 */
export class CallLog {
  readonly records: CallRecord[] = [];
  readonly faults: FaultWindow[] = [];
  readonly outages: OutageWindow[] = [];
  readonly violations: string[] = [];
  violationCount = 0;
  /** Sessions opened so far (answered 200 on /session/create). */
  sessionsOpened = 0;
  private seq = 0;
  private readonly origin = performance.now();
  private readonly agent = new Agent({ connections: 512, headersTimeout: CALL_TIMEOUT_MS, bodyTimeout: CALL_TIMEOUT_MS });

  /** `baseUrl` is read per call: a restart may bring the server back on another port. */
  constructor(private readonly baseUrl: () => string) {}

  /** ms since the run started. */
  now(): number {
    return performance.now() - this.origin;
  }

  violation(message: string): void {
    this.violationCount++;
    if (this.violations.length < MAX_KEPT_VIOLATIONS) this.violations.push(message);
  }

  /** Whether [from, to] overlaps a kill -9 (connection errors are expected then, and only then). */
  overlapsFault(from: number, to: number): boolean {
    return this.faults.some((f) => from <= (f.healthyAt ?? Number.POSITIVE_INFINITY) + FAULT_GRACE_MS && to >= f.killedAt);
  }

  /** Whether [from, to] overlaps a database outage (503 SERVICE_UNAVAILABLE is expected then, and only then). */
  overlapsOutage(from: number, to: number): boolean {
    return this.outages.some((o) => from <= (o.readyAt ?? Number.POSITIVE_INFINITY) + OUTAGE_GRACE_MS && to >= o.stoppedAt);
  }

  /** A 503 SERVICE_UNAVAILABLE the run accepts: during a database outage. */
  acceptedUnavailable(r: CallRecord): boolean {
    return isUnavailable(r) && this.overlapsOutage(r.startedAt, r.endedAt);
  }

  /** True between a kill and the restarted server answering /health. */
  serverDown(): boolean {
    return this.faults.some((f) => f.healthyAt === undefined);
  }

  /** Whether a kill happened after `t` (a task started before it may have been cut). */
  killedAfter(t: number): boolean {
    return this.faults.some((f) => f.killedAt >= t);
  }

  async call(spec: CallSpec): Promise<CallResult> {
    const record: CallRecord = {
      seq: ++this.seq,
      client: spec.client,
      account: spec.account,
      endpoint: spec.endpoint,
      label: spec.label,
      marker: spec.marker,
      sessionId: spec.sessionId,
      startedAt: this.now(),
      endedAt: 0,
    };
    this.records.push(record);
    let body: any;
    try {
      const res = await request(this.baseUrl() + spec.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': spec.key },
        body: JSON.stringify(spec.body),
        dispatcher: this.agent,
      });
      const text = await res.body.text();
      record.httpStatus = res.statusCode;
      if (spec.endpoint === '/session/create' && res.statusCode === 200) this.sessionsOpened++;
      const cost = res.headers['x-bbre-cost'];
      if (typeof cost === 'string') record.costMicros = usdToMicros(Number(cost));
      body = parseJson(text);
      record.code = body?.success === true ? 'OK' : (body?.error?.code ?? `NON_JSON_${res.statusCode}`);
      record.taskId = body?.data?.task?.id ?? body?.taskId ?? body?.error?.details?.taskId;
      if (typeof body?.data?.statusCode === 'number') record.targetStatus = body.data.statusCode;
      if (record.httpStatus >= 500 && record.code === 'SERVICE_ERROR') this.violation(`500 SERVICE_ERROR on ${spec.label} (call ${record.seq})`);
      else if (record.httpStatus >= 500 && !EXPECTED_5XX.has(record.httpStatus)) this.violation(`${record.httpStatus} ${record.code} on ${spec.label} (call ${record.seq})`);
      if (record.httpStatus >= 400) {
        const retryAfter = res.headers['retry-after'];
        if (typeof retryAfter === 'string') record.retryAfter = retryAfter;
        const retryable = body?.error?.details?.retryable ?? body?.error?.retryable;
        if (typeof retryable === 'boolean') record.retryable = retryable;
      }
      if (record.costMicros !== undefined && !CHARGED.has(spec.endpoint) && record.costMicros !== 0) {
        this.violation(`free endpoint ${spec.endpoint} answered X-BBRE-Cost ${record.costMicros} µ$ (call ${record.seq})`);
      }
    } catch (err) {
      record.networkError = (err as { code?: string }).code ?? (err as Error).message;
    }
    record.endedAt = this.now();
    if (record.httpStatus === undefined && !this.overlapsFault(record.startedAt, record.endedAt)) {
      this.violation(`no answer outside any kill window: ${spec.label} (call ${record.seq}, ${record.networkError})`);
    }
    if (isUnavailable(record)) {
      // Contract: 503 SERVICE_UNAVAILABLE says when to retry and that retrying is safe; outside an outage it is a fault.
      if (!this.overlapsOutage(record.startedAt, record.endedAt)) this.violation(`503 SERVICE_UNAVAILABLE outside any database outage: ${spec.label} (call ${record.seq})`);
      if (!record.retryAfter || !(Number(record.retryAfter) > 0)) this.violation(`503 SERVICE_UNAVAILABLE without a Retry-After header: ${spec.label} (call ${record.seq}, ${record.retryAfter})`);
      if (record.retryable !== true) this.violation(`503 SERVICE_UNAVAILABLE without retryable: true: ${spec.label} (call ${record.seq})`);
      if ((record.costMicros ?? 0) !== 0) this.violation(`503 SERVICE_UNAVAILABLE with X-BBRE-Cost ${record.costMicros}: ${spec.label} (call ${record.seq})`);
    }
    return { record, body };
  }

  /** Admin API (credits); not part of the client records. */
  async admin(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await request(this.baseUrl() + path, {
      method: method as 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.agent,
    });
    return { status: res.statusCode, body: parseJson(await res.body.text()) };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
