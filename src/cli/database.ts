/** Opens the product's database for a CLI command: DATABASE_URL, else the embedded one in ECART_DATA. */
import { configFromEnv, type EcartConfig } from "../platform/config.js";
import { type Database, openDatabase } from "../platform/db.js";
import { migrate } from "../platform/migrate.js";

export const databaseUrl = () => process.env.DATABASE_URL || process.env.ECART_DATA || "./data";

export async function withDatabase(
  fn: (db: Database, config: EcartConfig) => Promise<number>,
): Promise<number> {
  const config = configFromEnv(); // a bad figure stops the command before the database opens
  const db = await openDatabase({ url: databaseUrl() });
  try {
    await migrate(db);
    return await fn(db, config);
  } finally {
    await db.close();
  }
}
