/**
 * A round-robin HTTP load balancer for the instances bench, run as its own process:
 * `tsx bench/balancer.ts PORT[,PORT…]` forwards each request to the next backend on 127.0.0.1 in turn,
 * over keep-alive connections, without affinity (as a load balancer in front of stateless app servers).
 * Prints `PORT <n>` once listening. A bench tool, not the product: no retries, no health checks.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

/** The backends in turn: a, b, c, a, b, c… */
export function roundRobin<T>(items: readonly T[]): () => T {
  if (!items.length) throw new Error("roundRobin: no backend");
  let i = 0;
  return () => items[i++ % items.length] as T;
}

/** A server forwarding every request to `ports` on 127.0.0.1 in turn, answering 502 when a backend fails. */
export function createBalancer(ports: readonly number[]): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
  const next = roundRobin(ports);
  return http.createServer((req, res) => {
    const upstream = http.request(
      { host: "127.0.0.1", port: next(), method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
}

async function main() {
  const ports = (process.argv[2] ?? "").split(",").filter(Boolean).map(Number);
  if (!ports.length || ports.some((p) => !Number.isInteger(p)))
    throw new Error("usage: balancer PORT[,PORT…]");
  const server = createBalancer(ports);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`);
  process.on("SIGTERM", () => process.exit(0));
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
