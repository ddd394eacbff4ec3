/**
 * Issue 16, point 1: `ecart demo` while `ecart serve` runs on the same embedded data folder is refused, in
 * French and English, and leaves the server answering; once the server is killed (kill -9, no clean-up),
 * the next command takes the folder over.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const MAIN = join("src", "cli", "main.ts");

function ecart(args: string[], env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

/** Starts `ecart serve` and resolves with its URL once it listens. */
function serve(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = ecart(["serve"], { ...env, PORT: "0", HOST: "127.0.0.1", ECART_SWEEP_EVERY_MS: "3600000" });
  return new Promise((resolve, reject) => {
    let out = "";
    const guard = setTimeout(() => reject(new Error(`serve never listened: ${out}`)), 90_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening at (http:\/\/127\.0\.0\.1:\d+)|"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
      if (m) {
        clearTimeout(guard);
        resolve({ child, url: (m[1] ?? m[2]) as string });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("close", (code) => reject(new Error(`serve ended (${code}): ${out}`)));
  });
}

const started: ChildProcess[] = [];
afterAll(() => {
  for (const c of started) if (c.exitCode === null) c.kill("SIGKILL");
});

describe("one process at a time on an embedded data folder", () => {
  it("refuses `ecart demo` while `ecart serve` holds the folder; takes it over after a kill -9", {
    timeout: 240_000,
  }, async () => {
    const env = { ECART_DATA: mkdtempSync(join(tmpdir(), "ecart-data-")), DATABASE_URL: "" };
    const server = await serve(env);
    started.push(server.child);

    const demo = await finished(ecart(["demo", "--service-points", "3"], env));
    expect(demo.code).toBe(1);
    expect(demo.stderr).toContain("est déjà ouvert par un autre processus");
    expect(demo.stderr).toContain("remplissez-la, puis démarrez le serveur");
    expect(demo.stderr).toContain("is already open in another process");
    // The server was not disturbed.
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);

    const killed = new Promise((r) => server.child.on("close", r));
    server.child.kill("SIGKILL");
    await killed;
    const migrate = await finished(ecart(["migrate"], env));
    expect(migrate.stderr).toBe("");
    expect(migrate.code).toBe(0);
  });
});
