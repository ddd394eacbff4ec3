/**
 * A webhook receiver on loopback, as a CIS would run one: it verifies each delivery's signature with the
 * `standardwebhooks` package, answers 2xx (or the status it is told to), dedupes by `webhook-id`, and
 * keeps what it received in order. It can go down and come back on the same port.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface Received {
  id: string;
  type: string;
  position: number;
  data: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  /** Every verified delivery, duplicates included, in arrival order. */
  all: Received[];
  /** The first delivery of each id, in arrival order. */
  unique(): Received[];
  /** Deliveries whose signature did not verify (answered 401). */
  refused: number;
  /** Answer this status instead of 204 (null: 204). */
  failWith: number | null;
  secret: string | null;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  let server: Server | null = null;
  let port = 0;
  const r: Receiver = {
    url: "",
    all: [],
    refused: 0,
    failWith: null,
    secret: null,
    unique() {
      const seen = new Set<string>();
      return this.all.filter((x) => !seen.has(x.id) && seen.add(x.id));
    },
    async down() {
      const s = server;
      server = null;
      if (s) await new Promise<void>((res) => s.close(() => res()));
    },
    async up() {
      const s = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          let msg: { type: string; data: Record<string, unknown> };
          try {
            msg = new Webhook(r.secret as string).verify(
              body,
              req.headers as Record<string, string>,
            ) as typeof msg;
          } catch {
            r.refused++;
            res.writeHead(401).end();
            return;
          }
          if (r.failWith !== null) {
            res.writeHead(r.failWith).end("busy");
            return;
          }
          r.all.push({
            id: req.headers["webhook-id"] as string,
            type: msg.type,
            position: Number(msg.data.position),
            data: msg.data,
          });
          res.writeHead(204).end();
        });
      });
      s.keepAliveTimeout = 1;
      await new Promise<void>((res) => s.listen(port, "127.0.0.1", () => res()));
      port = (s.address() as AddressInfo).port;
      r.url = `http://127.0.0.1:${port}/ecart`;
      server = s;
    },
    async close() {
      await this.down();
    },
  };
  await r.up();
  return r;
}
