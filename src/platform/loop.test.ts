import { describe, expect, it } from "vitest";
import { runEvery } from "./loop.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("runEvery", () => {
  it("never starts a run before the last one ended, and stop waits for the run in progress", async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    let finished = 0;
    const loop = runEvery(async () => {
      running++;
      runs++;
      most = Math.max(most, running);
      await sleep(30); // a run longer than the pause
      running--;
      finished++;
    }, 5);
    await sleep(120);
    await loop.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(most).toBe(1);
    expect(finished).toBe(runs); // the run in flight when stop() was called ended before stop resolved
  });

  it("tells the run in progress to stop, cancels the pause, and goes on after a failed run", async () => {
    const errors: unknown[] = [];
    let aborted = false;
    let n = 0;
    const loop = runEvery(
      async (signal) => {
        n++;
        if (n === 1) throw new Error("boom");
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
        aborted = signal.aborted;
      },
      1,
      (e) => errors.push(e),
    );
    await sleep(30);
    const t0 = Date.now();
    await loop.stop();
    expect(aborted).toBe(true);
    expect(errors).toHaveLength(1);
    expect(Date.now() - t0).toBeLessThan(100);
    // A loop stopped during its pause stops at once (the pause is a long one).
    const idle = runEvery(async () => {}, 60_000);
    await sleep(10);
    const t1 = Date.now();
    await idle.stop();
    expect(Date.now() - t1).toBeLessThan(100);
  });
});
