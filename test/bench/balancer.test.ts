import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { createBalancer, roundRobin } from "../../bench/balancer.js";

const servers: http.Server[] = [];
async function listen(server: http.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

describe("bench load balancer", () => {
  it("takes the backends in turn", () => {
    const next = roundRobin(["a", "b", "c"]);
    expect(Array.from({ length: 7 }, next)).toEqual(["a", "b", "c", "a", "b", "c", "a"]);
    expect(() => roundRobin([])).toThrow();
  });

  it("forwards method, path, headers and body to each backend in turn, and their answers back", async () => {
    const backend = (name: string) =>
      http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => {
          body += d;
        });
        req.on("end", () => {
          res.writeHead(201, { "content-type": "application/json", "x-backend": name });
          res.end(
            JSON.stringify({ name, method: req.method, url: req.url, auth: req.headers.authorization, body }),
          );
        });
      });
    const ports = [await listen(backend("a")), await listen(backend("b"))];
    const port = await listen(createBalancer(ports));
    const answers = [];
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`http://127.0.0.1:${port}/api/x?i=${i}`, {
        method: "POST",
        headers: { authorization: "Bearer t", "content-type": "application/json" },
        body: `{"i":${i}}`,
      });
      expect(r.status).toBe(201);
      expect(r.headers.get("x-backend")).toBeTruthy();
      answers.push(await r.json());
    }
    expect(answers.map((a) => a.name)).toEqual(["a", "b", "a", "b"]);
    expect(answers[3]).toEqual({
      name: "b",
      method: "POST",
      url: "/api/x?i=3",
      auth: "Bearer t",
      body: '{"i":3}',
    });
  });

  it("answers 502 when a backend is down", async () => {
    const dead = await listen(http.createServer());
    const down = servers.pop() as http.Server;
    await new Promise((resolve) => down.close(resolve));
    const port = await listen(createBalancer([dead]));
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(502);
  });
});
