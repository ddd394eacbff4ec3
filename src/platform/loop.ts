/**
 * A background job of the server (the deadline sweep, the outbox worker): run, wait, run again. A run
 * starts only once the one before has ended and the pause has passed, so two runs never overlap, and
 * stopping waits for the run in progress (which hears of the stop through its AbortSignal).
 */

export interface Loop {
  /** Asks the run in progress to stop early, cancels the pause, and resolves once no run is left. */
  stop(): Promise<void>;
}

/**
 * Runs `task` now, then `everyMs` after each run ends, until stopped. `task` handles its own errors;
 * one it lets through goes to `onError` and the loop goes on.
 */
export function runEvery(
  task: (signal: AbortSignal) => Promise<void>,
  everyMs: number,
  onError: (e: unknown) => void = () => {},
): Loop {
  const stopping = new AbortController();
  let wake: (() => void) | null = null;
  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, everyMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const done = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await task(stopping.signal);
      } catch (e) {
        onError(e);
      }
      if (stopping.signal.aborted) break;
      await pause();
      wake = null;
    }
  })();
  return {
    async stop() {
      stopping.abort();
      (wake as (() => void) | null)?.();
      await done;
    },
  };
}
