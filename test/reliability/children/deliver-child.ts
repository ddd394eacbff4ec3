/**
 * An outbox worker in its own process, for the crash tests: delivery passes (SMTP on loopback,
 * letters to files) until nothing is due, printing SEND as each message is handed over; the parent kills
 * it (SIGKILL) at a random moment, counted from one of those lines.
 * Usage (bundled by crash.ts): node deliver-child.mjs <db url> <smtp port> <outbox dir> <lease ms>
 */
import { deliverDue } from "../../../src/communications/worker.js";
import { openDatabase } from "../../../src/platform/db.js";
import { childDeliveryConfig } from "../../support/child-delivery.js";

const [url, port, dir, lease] = process.argv.slice(2) as [string, string, string, string];
const db = await openDatabase({ url, poolSize: 2 });
process.stdout.write("READY\n");
for (;;) {
  const r = await deliverDue(db, {
    config: childDeliveryConfig(port, dir),
    leaseMs: Number(lease),
    batchSize: 3,
    workerId: `child-${process.pid}`,
    hooks: {
      beforeSend: () => {
        process.stdout.write("SEND\n");
      },
    },
  });
  if (r.sent.length + r.retrying.length + r.requeued.length === 0) break;
}
process.stdout.write("DONE\n");
await db.close();
