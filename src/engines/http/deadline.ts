/**
 * One signal for one outbound request: it aborts when `parent` does or when `timeoutMs` passes. Equivalent to
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])`, which on Node 20 costs several signals, a weak
 * registry and a timer per request; this is one controller, one timer and one listener, released by `dispose`.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Did the time run out (rather than the parent abort)? */
  timedOut(): boolean;
  /** Milliseconds left (at least 1). */
  remainingMs(): number;
  dispose(): void;
}

export function deadline(timeoutMs: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const endsAt = performance.now() + timeoutMs;
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }, timeoutMs);
  const follow = (): void => controller.abort(parent?.reason);
  if (parent?.aborted) follow();
  else parent?.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => expired,
    remainingMs: () => Math.max(1, Math.ceil(endsAt - performance.now())),
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', follow);
    },
  };
}
