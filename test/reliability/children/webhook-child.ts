/**
 * A webhook worker in its own process, for the crash tests: delivery passes until nothing is left,
 * printing SEND as each event is handed to the receiver; the parent kills it (SIGKILL) at a random moment,
 * counted from one of those lines. Usage (bundled by crash.ts): node webhook-child.mjs <db url> <lease ms>
 */
import { deliverWebhooks } from "../../../src/integration/webhook-worker.js";
import { openDatabase } from "../../../src/platform/db.js";

const [url, lease] = process.argv.slice(2) as [string, string];
const db = await openDatabase({ url, poolSize: 2 });
process.stdout.write("READY\n");
for (;;) {
  const r = await deliverWebhooks(db, {
    workerId: `child-${process.pid}`,
    leaseMs: Number(lease),
    timeoutMs: 2000,
    backoffBaseMs: 50,
    eventsPerClaim: 5,
    beforeSend: () => {
      process.stdout.write("SEND\n");
    },
  });
  if (r.delivered + r.failed === 0) {
    const left = await db.kysely
      .selectFrom("webhook_endpoints as e")
      .select((eb) =>
        eb
          .exists(
            eb.selectFrom("events as v").select("v.seq").whereRef("v.position", ">", "e.delivered_position"),
          )
          .as("more"),
      )
      .executeTakeFirst();
    if (!left?.more) break;
    await new Promise((res) => setTimeout(res, 100));
  }
}
process.stdout.write("DONE\n");
await db.close();
