/** `ecart backup FILE` and `ecart restore FILE [--force]`: the embedded database (docs/operations.md). */
import { backupEmbedded, restoreEmbedded } from "../platform/backup.js";

const isServer = () => /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? "");
const dataDir = () => process.env.ECART_DATA || "./data";

/** `ecart backup FILE`: a .tar.gz of the embedded database (stop `ecart serve` first). */
export async function backupCommand(args: string[]): Promise<number> {
  const [file] = args;
  if (!file) {
    process.stderr.write("usage: ecart backup FILE.tar.gz\n");
    return 2;
  }
  if (isServer()) {
    process.stderr.write(
      'DATABASE_URL names a PostgreSQL server: back it up with pg_dump --format=custom --file=FILE "$DATABASE_URL" (docs/operations.md)\n',
    );
    return 2;
  }
  try {
    const bytes = await backupEmbedded(dataDir(), file);
    process.stdout.write(`${JSON.stringify({ backup: file, from: dataDir(), bytes })}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`ecart backup: ${(e as Error).message}\n`);
    return 1;
  }
}

/** `ecart restore FILE [--force]`: the embedded database from a backup, into ECART_DATA. */
export async function restoreCommand(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith("--"));
  if (!file) {
    process.stderr.write("usage: ecart restore FILE.tar.gz [--force]\n");
    return 2;
  }
  if (isServer()) {
    process.stderr.write(
      'DATABASE_URL names a PostgreSQL server: restore with pg_restore --clean --if-exists --dbname="$DATABASE_URL" FILE (docs/operations.md)\n',
    );
    return 2;
  }
  try {
    const aside = await restoreEmbedded(file, dataDir(), args.includes("--force"));
    process.stdout.write(`${JSON.stringify({ restored: file, into: dataDir(), previousMovedTo: aside })}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`ecart restore: ${(e as Error).message}\n`);
    return 1;
  }
}
