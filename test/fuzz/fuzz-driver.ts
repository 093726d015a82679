import fc from 'fast-check';
import { adminCaseArbs } from './admin-cases.js';
import { apiCaseArbs } from './api-cases.js';
import { checkAnswer, SLOW_ANSWER_MS, type Answer } from './answer-check.js';
import type { FuzzContext } from './endpoints.js';
import { describeCase, type FuzzCase } from './fuzz-case.js';
import { FuzzSender } from './http-send.js';
import { badEncodingCases, pathVariantCases, unknownPathCases, wireCases, wrongMethodCases } from './path-cases.js';

/** Every kind of call the suite makes, weighted so each API endpoint gets about the same share. */
export function fuzzCaseArb(ctx: FuzzContext, maxBodyBytes: number): fc.Arbitrary<FuzzCase> {
  const weighted = (weight: number) => (arbitrary: fc.Arbitrary<FuzzCase>) => ({ weight, arbitrary });
  return fc.oneof(
    ...apiCaseArbs(ctx, maxBodyBytes).map(weighted(4)),
    ...adminCaseArbs(ctx, maxBodyBytes).map(weighted(2)),
    weighted(2)(unknownPathCases(ctx)),
    weighted(2)(wrongMethodCases(ctx)),
    weighted(1)(pathVariantCases(ctx, maxBodyBytes)),
    weighted(1)(badEncodingCases(ctx, maxBodyBytes)),
    weighted(3)(wireCases(ctx)),
  );
}

export interface EndpointFigures {
  inputs: number;
  statuses: Map<string, number>;
  failures: number;
}

const KEPT_FAILURE_KINDS = 60;

export interface FailureKind {
  /** Calls that broke the rule the same way. */
  count: number;
  /** The first such call and what it broke. */
  call: string;
  problems: string[];
}

/** The kind of input, without its variant: `api key: revoked key` counts as `api key`. */
function categoryClass(category: string): string {
  return category.replace(/^(api key|admin token|body on GET): .*$/, '$1').replace(/^path variant \d+$/, 'path variant');
}

/** Failures of one endpoint and input kind that differ only in numbers or quoted values are one kind. */
function kindOf(c: FuzzCase, problems: string[]): string {
  return `${c.contract.name} / ${categoryClass(c.category)} / ${problems[0]!.replace(/"[^"]*"|'[^']*'/g, '…').replace(/\d+/g, '#').slice(0, 120)}`;
}

/** Counts per endpoint, status and input kind, and the calls that broke a rule. */
export class FuzzFigures {
  readonly endpoints = new Map<string, EndpointFigures>();
  readonly statuses = new Map<string, number>();
  readonly categories = new Map<string, number>();
  /** Failures grouped by endpoint and first broken rule, in order of first appearance. */
  readonly failures = new Map<string, FailureKind>();
  /** The slowest calls, slowest first. */
  readonly slowest: Array<{ call: string; ms: number; status: string }> = [];
  inputs = 0;
  failureCount = 0;

  record(c: FuzzCase, answer: Answer, problems: string[]): void {
    this.inputs++;
    const status = answer.status === 0 ? 'no answer' : String(answer.status);
    const endpoint = this.endpoints.get(c.contract.name) ?? { inputs: 0, statuses: new Map<string, number>(), failures: 0 };
    this.endpoints.set(c.contract.name, endpoint);
    endpoint.inputs++;
    bump(endpoint.statuses, status);
    bump(this.statuses, status);
    this.noteLatency(c, answer, status);
    bump(this.categories, categoryClass(c.category));
    if (problems.length === 0) return;
    endpoint.failures++;
    this.failureCount++;
    const kind = kindOf(c, problems);
    const known = this.failures.get(kind);
    if (known) known.count++;
    else if (this.failures.size < KEPT_FAILURE_KINDS) this.failures.set(kind, { count: 1, call: describeCase(c), problems });
  }

  private noteLatency(c: FuzzCase, answer: Answer, status: string): void {
    const ms = answer.elapsedMs ?? 0;
    if (this.slowest.length === KEPT_SLOWEST && ms <= this.slowest[KEPT_SLOWEST - 1]!.ms) return;
    this.slowest.push({ call: describeCase(c), ms, status });
    this.slowest.sort((a, b) => b.ms - a.ms);
    this.slowest.length = Math.min(this.slowest.length, KEPT_SLOWEST);
  }
}

const KEPT_SLOWEST = 5;

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export interface FuzzRunOptions {
  numRuns: number;
  seed: number;
  /** Stop at the first broken rule (tests); otherwise record every one and go on (the long run). */
  stopOnFailure: boolean;
  maxBodyBytes: number;
  /** A call without an answer after this long is a hang. @default SLOW_ANSWER_MS */
  requestTimeoutMs?: number;
  onProgress?(figures: FuzzFigures): void;
}

export interface FuzzRun {
  figures: FuzzFigures;
  details: fc.RunDetails<[FuzzCase]>;
  durationMs: number;
}

/** Generates `numRuns` calls from `seed`, sends each over HTTP and checks every answer against the contract. */
export async function runFuzz(ctx: FuzzContext, options: FuzzRunOptions): Promise<FuzzRun> {
  const figures = new FuzzFigures();
  const sender = new FuzzSender(ctx.url, options.requestTimeoutMs ?? SLOW_ANSWER_MS);
  const property = fc.asyncProperty(fuzzCaseArb(ctx, options.maxBodyBytes), async (c) => {
    const answer = await sender.send(c);
    const problems = checkAnswer(c, answer);
    figures.record(c, answer, problems);
    if (figures.inputs % 500 === 0) options.onProgress?.(figures);
    if (problems.length > 0 && options.stopOnFailure) throw new Error(`${problems.join('; ')}\n  answer: HTTP ${answer.status} ${answer.body.subarray(0, 300).toString('utf8')}`);
  });
  const started = performance.now();
  try {
    // No shrinking: a slow input would be re-sent many times, and the seed already replays the failure exactly.
    const details = await fc.check(property, { numRuns: options.numRuns, seed: options.seed, endOnFailure: true });
    return { figures, details, durationMs: performance.now() - started };
  } finally {
    sender.close();
  }
}
