const MAX_KEPT_FAILURES = 20;

export interface CheckResult {
  name: string;
  /** How many times the check was evaluated (accounts, sessions, tasks, calls...). */
  evaluated: number;
  failed: number;
  /** The first failures, spelled out. */
  failures: string[];
}

/** Named invariants, each evaluated many times; the report lists every one of them with its verdict. */
export class Checks {
  private readonly results = new Map<string, CheckResult>();

  /** Registers `name` even if it is never evaluated (so a check that had nothing to look at still shows). */
  declare(name: string): void {
    if (!this.results.has(name)) this.results.set(name, { name, evaluated: 0, failed: 0, failures: [] });
  }

  expect(name: string, ok: boolean, failure: () => string): void {
    this.declare(name);
    const r = this.results.get(name)!;
    r.evaluated++;
    if (ok) return;
    r.failed++;
    if (r.failures.length < MAX_KEPT_FAILURES) r.failures.push(failure());
  }

  list(): CheckResult[] {
    return [...this.results.values()];
  }

  failures(): string[] {
    return this.list().flatMap((r) => r.failures.map((f) => `${r.name}: ${f}`));
  }
}
