/**
 * A clean stop on SIGTERM or SIGINT (close-with-grace): the steps run stage after stage (the steps of a
 * stage at once), each logged with its duration, then "stopped" is logged and the process exits 0. Past
 * SHUTDOWN_GRACE_MS, or after an uncaught error, or at a second signal, it exits 1 at once.
 */
import closeWithGrace from "close-with-grace";

/** Longest a stop may take: under the 10 s that systemd and container runtimes give before SIGKILL. */
export const SHUTDOWN_GRACE_MS = 9_000;

export interface StopStep {
  /** What stops (for the log): "http", "sweep", "outbox", "database"… */
  name: string;
  stop: () => Promise<void>;
}

/** The part of the logger this needs (pino's). */
export interface StopLogger {
  info(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/**
 * Stops gracefully on a signal: `stages` in order. Returns `close`, which does the same without a signal
 * (and exits the process the same way).
 */
export function stopGracefully(
  stages: StopStep[][],
  log: StopLogger,
  graceMs = SHUTDOWN_GRACE_MS,
): { close: () => void } {
  const { close } = closeWithGrace(
    {
      delay: graceMs,
      logger: {
        error: (m: unknown) => log.error({ event: "stop.error", detail: String(m) }, "stopping failed"),
      },
    },
    async ({ signal, err }: { signal?: string; err?: Error }) => {
      const started = performance.now();
      if (err) log.error({ event: "stopping", err }, "stopping after an uncaught error");
      else log.info({ event: "stopping", signal: signal ?? "close" }, "stopping");
      for (const stage of stages)
        await Promise.all(
          stage.map(async (step) => {
            const t = performance.now();
            await step.stop();
            log.info(
              { event: "stop.step", step: step.name, ms: Math.round(performance.now() - t) },
              `${step.name} stopped`,
            );
          }),
        );
      log.info({ event: "stopped", ms: Math.round(performance.now() - started) }, "ecart stopped");
    },
  );
  return { close };
}
