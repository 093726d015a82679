/**
 * Work running on each session right now, so that closing or evicting a session aborts it (contract §3.4).
 * Memory holds only these live handles; everything durable is in the store.
 */
export class InFlightWork {
  private readonly bySession = new Map<string, Set<AbortController>>();

  /** Registers a unit of work; call the returned function when it ends, on every path. */
  track(sessionId: string, controller: AbortController): () => void {
    let set = this.bySession.get(sessionId);
    if (!set) {
      set = new Set();
      this.bySession.set(sessionId, set);
    }
    set.add(controller);
    return () => {
      set.delete(controller);
      if (set.size === 0 && this.bySession.get(sessionId) === set) this.bySession.delete(sessionId);
    };
  }

  abort(sessionId: string, reason: string): void {
    const set = this.bySession.get(sessionId);
    this.bySession.delete(sessionId);
    for (const c of set ?? []) c.abort(new SessionEndedAbort(reason));
  }

  abortAll(reason: string): void {
    for (const id of [...this.bySession.keys()]) this.abort(id, reason);
  }
}

/** The abort reason when a session ends under running work. */
export class SessionEndedAbort extends Error {
  constructor(readonly endedReason: string) {
    super(`session ${endedReason}`);
    this.name = 'SessionEndedAbort';
  }
}
