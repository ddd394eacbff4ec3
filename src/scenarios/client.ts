/**
 * `ecart scenario run --worker SOCKET FILE`: hands the file to a running scenario worker (worker.ts) over
 * its Unix socket and gives back what the worker's replay printed. Loads nothing but node:net, so a
 * replay costs a bare node start plus the worker's run.
 */
import { createConnection } from "node:net";
import { resolve } from "node:path";
import type { Replay } from "./replay.js";

/** The request a worker reads: the `scenario run` arguments, paths made absolute. */
export interface WorkerRequest {
  args: string[];
}

/** Paths of a `scenario run` command line made absolute (the file and `--outbox DIR`). */
export function absoluteArgs(args: string[]): string[] {
  return args.map((a, i) => (i === 0 || args[i - 1] === "--outbox" ? resolve(a) : a));
}

/** Sends one replay to the worker at `socket` and waits for its answer. */
export function replayThrough(socket: string, args: string[]): Promise<Replay> {
  return new Promise((done, fail) => {
    const conn = createConnection(socket);
    const chunks: Buffer[] = [];
    conn.on("connect", () => {
      const req: WorkerRequest = { args: absoluteArgs(args) };
      conn.end(`${JSON.stringify(req)}\n`);
    });
    conn.on("data", (d) => chunks.push(d));
    conn.on("error", fail);
    conn.on("close", () => {
      try {
        done(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Replay);
      } catch {
        fail(new Error(`scenario worker at ${socket} answered nothing`));
      }
    });
  });
}
