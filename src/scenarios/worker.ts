/**
 * `ecart scenario worker SOCKET`: a long-lived replayer. It opens one migrated embedded database, takes
 * its baseline, then for each file sent by `ecart scenario run --worker SOCKET FILE` (client.ts) resets the
 * database to that baseline (checked by fingerprint: the same rows and sequences as a fresh database) and
 * replays the file, one at a time. A replay that throws closes the database; the next file gets a new one.
 * Prints "ready" once it listens; stops when its stdin closes or on SIGTERM/SIGINT.
 */
import { rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { type Database, freshEmbeddedDatabase } from "../platform/db.js";
import { type Baseline, resetToBaseline, takeBaseline } from "../platform/reset.js";
import type { WorkerRequest } from "./client.js";
import { type Replay, replayFile } from "./replay.js";

interface Warm {
  db: Database;
  base: Baseline;
  /** False until a file ran on it: the first file needs no reset. */
  used: boolean;
}

async function warmUp(): Promise<Warm> {
  const db = await freshEmbeddedDatabase();
  return { db, base: await takeBaseline(db), used: false };
}

/** Runs the worker until it is told to stop; returns the exit status. */
export async function serveWorker(socket: string): Promise<number> {
  let warm: Warm | null = await warmUp();
  let queue: Promise<unknown> = Promise.resolve();

  const replay = async (req: WorkerRequest): Promise<Replay> => {
    try {
      warm ??= await warmUp();
      if (warm.used) await resetToBaseline(warm.db, warm.base, true);
      warm.used = true;
      return await replayFile(req.args, warm.db);
    } catch (e) {
      const w = warm;
      warm = null;
      await w?.db.close().catch(() => {});
      return { code: 1, stdout: "", stderr: `ecart: ${(e as Error).stack ?? e}\n` };
    }
  };

  const answer = (conn: Socket) => {
    let text = "";
    conn.setEncoding("utf8");
    conn.on("data", (d) => {
      text += d;
    });
    conn.on("error", () => {});
    conn.on("end", () => {
      const next = queue.then(async () => {
        let res: Replay;
        try {
          res = await replay(JSON.parse(text) as WorkerRequest);
        } catch (e) {
          res = { code: 2, stdout: "", stderr: `bad worker request: ${(e as Error).message}\n` };
        }
        conn.end(JSON.stringify(res));
      });
      queue = next;
    });
  };

  rmSync(socket, { force: true });
  const server = createServer({ allowHalfOpen: true }, answer);
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(socket, ok);
  });
  process.stdout.write("ready\n");
  await new Promise<void>((stop) => {
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    process.stdin.once("end", stop);
    process.stdin.once("close", stop);
    process.stdin.resume();
  });
  process.stdin.destroy();
  server.close();
  await queue;
  await warm?.db.close();
  rmSync(socket, { force: true });
  return 0;
}
