// The browser tests drive Chromium: without it, stop at once with one line saying how to get it.
import { accessSync, constants } from "node:fs";

const chromium = process.env.ECART_CHROMIUM ?? "/usr/bin/chromium";
try {
  accessSync(chromium, constants.X_OK);
} catch {
  console.error(
    `Browser tests need Chromium at ${chromium}: install Debian's with "apt-get install -y chromium" (.ci/run does), or set ECART_CHROMIUM to a Chromium binary.`,
  );
  process.exit(1);
}
