/**
 * An outbox worker in its own process, for the crash tests: delivery passes (SMTP on loopback,
 * letters to files) until nothing is due; the parent kills it (SIGKILL) at a random moment.
 * Usage (bundled by crash.ts): node deliver-child.mjs <db url> <smtp port> <outbox dir> <lease ms>
 */
import { join } from "node:path";
import { DEFAULT_IDENTITY } from "../../../src/communications/identity.js";
import { deliverDue } from "../../../src/communications/worker.js";
import { openDatabase } from "../../../src/platform/db.js";

const [url, port, dir, lease] = process.argv.slice(2) as [string, string, string, string];
const db = await openDatabase({ url, poolSize: 2 });
process.stdout.write("READY\n");
for (;;) {
  const r = await deliverDue(db, {
    config: {
      smtp: {
        host: "127.0.0.1",
        port: Number(port),
        secure: false,
        requireTLS: false,
        ignoreTLS: true,
        rejectUnauthorized: true,
        timeoutMs: 5_000,
      },
      identity: DEFAULT_IDENTITY,
      emailDir: join(dir, "email"),
      letterDir: join(dir, "letters"),
      timeZone: "Europe/Paris",
    },
    leaseMs: Number(lease),
    batchSize: 3,
    workerId: `child-${process.pid}`,
  });
  if (r.sent.length + r.retrying.length + r.requeued.length === 0) break;
}
process.stdout.write("DONE\n");
await db.close();
