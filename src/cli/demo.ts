/** `ecart demo [--service-points N] [--seed S] [--years Y] [--until YYYY-MM-DD]`: a realistic data set (see src/demo/demo.ts). */
import { runDemo } from "../demo/demo.js";
import { isIsoDate, localDate } from "../platform/dates.js";
import { EcartError } from "../platform/errors.js";
import { flag } from "../platform/flag.js";
import { withDatabase } from "./database.js";

const USAGE = "usage: ecart demo [--service-points N] [--seed S] [--years Y] [--until YYYY-MM-DD]";

export async function demoCommand(args: string[]): Promise<number> {
  const servicePoints = Number(flag(args, "--service-points") ?? 2000);
  const seed = Number(flag(args, "--seed") ?? 1);
  const years = Number(flag(args, "--years") ?? 4);
  const until = flag(args, "--until") ?? localDate(new Date());
  if (
    ![servicePoints, seed, years].every(Number.isInteger) ||
    servicePoints < 1 ||
    years < 1 ||
    !isIsoDate(until)
  ) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  return withDatabase(async (db, config) => {
    let last = 0;
    try {
      const summary = await runDemo(db, config, {
        servicePoints,
        seed,
        years,
        until,
        onProgress: (m) => {
          if (Date.now() - last < 2000) return;
          last = Date.now();
          process.stderr.write(`demo: ${m}\n`);
        },
      });
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return 0;
    } catch (e) {
      if (e instanceof EcartError) {
        process.stderr.write(`demo: ${e.messageFr}\n`);
        return 1;
      }
      throw e;
    }
  });
}
