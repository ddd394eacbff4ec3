/**
 * A server for the HTTP bench, run as its own process so that the load generator does not share its
 * event loop: `tsx bench/http-server.ts app|bare DATABASE_URL`. Prints `PORT <n>` once listening.
 * app: the Écart API (`buildApp`), its clock fixed on the move-in day. bare: one Fastify route doing one
 * indexed SELECT (the service point by primary key) through a pg pool of the same size.
 */
import Fastify from "fastify";
import pg from "pg";
import { buildApp } from "../src/http/app.js";
import { openDatabase, POOL_IDLE_MS } from "../src/platform/db.js";

/** Same pool size as `ecart serve` (openDatabase's default). */
export const POOL_SIZE = 10;
const CLOCK = new Date("2024-03-05T10:00:00+01:00");

async function main() {
  const [mode, url] = process.argv.slice(2);
  if (!url || (mode !== "app" && mode !== "bare")) throw new Error("usage: http-server app|bare URL");
  let listen: () => Promise<string>;
  if (mode === "app") {
    const db = await openDatabase({ url, poolSize: POOL_SIZE });
    const app = await buildApp({ db, logger: false, webDist: null, clock: () => CLOCK });
    listen = () => app.listen({ port: 0, host: "127.0.0.1" });
  } else {
    const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, idleTimeoutMillis: POOL_IDLE_MS });
    const app = Fastify({ logger: false });
    app.post("/bare", async (req) => {
      const body = req.body as { servicePoint: string };
      const r = await pool.query("select id, address from service_points where id = $1", [body.servicePoint]);
      return { servicePoint: r.rows[0] ?? null };
    });
    listen = () => app.listen({ port: 0, host: "127.0.0.1" });
  }
  const address = await listen();
  process.stdout.write(`PORT ${new URL(address).port}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
process.on("SIGTERM", () => process.exit(0));
