/**
 * The container files (issue 17 item 5). Their promises are checked everywhere: two stages, a non-root
 * user, the health check on /api/ready, `npm start` without the demo accounts, compose with PostgreSQL
 * and an SMTP catcher. The image is built and started only where a container engine answers
 * (`docker info` or `podman info`): not on the machine where these files were written (docs/operations.md).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const read = (f: string) => readFileSync(join(ROOT, f), "utf8");

/** The container engine that answers here, if any. */
function engine(): string | null {
  for (const e of ["docker", "podman"]) {
    try {
      execFileSync(e, ["info"], { stdio: "ignore", timeout: 15_000 });
      return e;
    } catch {
      /* not installed, or no daemon */
    }
  }
  return null;
}
const ENGINE = engine();

describe("the container files", () => {
  it("Dockerfile: two stages, not root, npm start without the demo, health on /api/ready, a clean stop", () => {
    const d = read("Dockerfile");
    expect(d.match(/^FROM /gm)).toHaveLength(2);
    expect(d).toMatch(/^FROM node:20\S* AS build$/m);
    expect(d).toMatch(/^USER node$/m);
    expect(d).toMatch(/ECART_DEMO_ACCOUNTS=0/);
    expect(d).toMatch(/ECART_WEB_BUILT=1/);
    expect(d).toMatch(/^HEALTHCHECK .*\n?.*\/api\/ready/m);
    expect(d).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(d).toMatch(/^CMD \["npm", "start"\]$/m);
    expect(d).toMatch(/npm prune --omit=dev/);
    // The image keeps the production dependencies only: what runs the sources must be one of them.
    const pkg = JSON.parse(read("package.json"));
    expect(pkg.dependencies.tsx).toBeDefined();
    // npm start builds the console unless the image already did, and hands the process over (signals).
    expect(pkg.scripts.start).toContain('[ "$ECART_WEB_BUILT" = 1 ] || npm run build:web');
    expect(pkg.scripts.start).toContain("exec tsx src/cli/main.ts serve");
  });

  it("compose.yaml: the app, a PostgreSQL server it waits for, and an SMTP catcher", () => {
    const c = read("compose.yaml");
    expect(c).toMatch(/^ {2}app:\n {4}build: \./m);
    expect(c).toMatch(/DATABASE_URL: postgres:\/\/ecart:ecart@db:5432\/ecart/);
    expect(c).toMatch(/SMTP_URL: smtp:\/\/mail:1025/);
    expect(c).toMatch(/^ {2}db:\n {4}image: postgres:/m);
    expect(c).toMatch(/condition: service_healthy/);
    expect(c).toMatch(/^ {2}mail:\n {4}image: axllent\/mailpit:/m);
    expect(c).toMatch(/init: true/);
  });

  it.runIf(ENGINE !== null)(
    "builds the image, starts compose, and the app becomes ready",
    async () => {
      const e = ENGINE as string;
      const env = { ...process.env, ECART_METRICS_TOKEN: "container-test-token" };
      const run = (args: string[], timeout = 900_000) =>
        execFileSync(e, args, { cwd: ROOT, env, timeout, encoding: "utf8" });
      run(["compose", "-p", "ecart-test", "up", "--build", "-d", "--wait"]);
      try {
        const r = await fetch("http://127.0.0.1:8080/api/ready");
        expect(r.status).toBe(200);
        const m = await fetch("http://127.0.0.1:8080/metrics", {
          headers: { authorization: "Bearer container-test-token" },
        });
        expect(await m.text()).toContain("ecart_database_up 1");
        const t0 = Date.now();
        run(["compose", "-p", "ecart-test", "stop", "app"]);
        expect(Date.now() - t0).toBeLessThan(10_000);
      } finally {
        run(["compose", "-p", "ecart-test", "down", "-v"]);
      }
    },
    1_200_000,
  );
});
