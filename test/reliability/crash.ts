/** Runs a child process and kills it (SIGKILL) at a chosen moment after it says READY (or a later progress line). */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundled } from "../support/bundle.js";

export const CHILDREN = join(dirname(fileURLToPath(import.meta.url)), "children");

export interface KillOutcome {
  /** True when the child was killed before it finished on its own. */
  killed: boolean;
  /** Milliseconds between READY and the kill (or the end). */
  afterMs: number;
  stdout: string;
  stderr: string;
}

/** Where the kill clock starts: the `nth` line equal to `line` the child prints after READY (0: READY itself). */
export interface KillMark {
  line: string;
  nth: number;
}

/**
 * Starts the bundled `<script> ...args`, waits for the line READY (or, with `mark`, for the mark's
 * nth progress line), then SIGKILLs the process after `delayMs`. If it ends first, reports it as not
 * killed. A mark ties the kill to the child's progress rather than to the clock, so that kills land
 * in the middle of the work however fast the machine is.
 */
export async function runAndKill(
  script: string,
  args: string[],
  delayMs: number,
  env: NodeJS.ProcessEnv = {},
  mark: KillMark = { line: "READY", nth: 0 },
): Promise<KillOutcome> {
  const file = await bundled(join(CHILDREN, script));
  return new Promise<KillOutcome>((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    let readyAt = 0;
    let marks = 0;
    let timer: NodeJS.Timeout | undefined;
    let killed = false;
    const startupGuard = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`child ${script} never said READY: ${stderr.slice(-2000)}`));
    }, 60_000);
    let pending = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      pending += d.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const l of lines) {
        if (!readyAt && l === "READY") {
          clearTimeout(startupGuard);
          readyAt = Date.now();
        } else if (readyAt && l === mark.line) marks++;
        else continue;
        if (!timer && (mark.line === "READY" || marks === mark.nth)) {
          timer = setTimeout(() => {
            killed = child.kill("SIGKILL");
          }, delayMs);
        }
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("exit", (code, signal) => {
      clearTimeout(startupGuard);
      if (timer) clearTimeout(timer);
      const wasKilled = killed && signal === "SIGKILL";
      if (!wasKilled && code !== 0) {
        reject(new Error(`child ${script} failed (${code ?? signal}): ${stderr.slice(-2000)}`));
        return;
      }
      resolve({ killed: wasKilled, afterMs: readyAt ? Date.now() - readyAt : 0, stdout, stderr });
    });
  });
}
