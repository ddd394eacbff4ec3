/**
 * End-to-end harness: the real Fastify app (buildApp, serving the built console from web/dist)
 * on a free loopback port, a fresh embedded database seeded with a small given world and real
 * accounts, and headless Chromium driven by playwright-core.
 */
import { existsSync, mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import { type Browser, chromium, type Page } from "playwright-core";
import { createAccount } from "../../src/accounts/store.js";
import { buildApp } from "../../src/http/app.js";
import { type Database, freshEmbeddedDatabase } from "../../src/platform/db.js";
import type { AccountRole } from "../../src/platform/schema.js";
import { execute } from "../../src/registry.js";
import type { GivenServicePoint } from "../../src/scenarios/format.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

export const WEB_DIST = resolve("web/dist");
export const SCREENSHOTS = resolve("docs/screenshots");
export const CHROMIUM = process.env.ECART_CHROMIUM ?? "/usr/bin/chromium";
export const PASSWORD = "motdepasse-e2e";

export const ACCOUNTS: Array<{ username: string; role: AccountRole; entity: string }> = [
  { username: "fo.lyon", role: "FO", entity: "FO-LYON" },
  { username: "bo.lyon", role: "BO", entity: "BO-LYON" },
  { username: "euros", role: "EUROS", entity: "EUROS" },
  { username: "pilotage", role: "SUPERVISOR", entity: "PILOTAGE" },
  { username: "admin", role: "ADMIN", entity: "SIEGE" },
];

/** The source document's reading history (SPEC §4): 89954 on 02/04/2024 is a slip for 899. */
export function sourceDocumentServicePoint(id: string): GivenServicePoint {
  return {
    id,
    address: "4 impasse des Tilleuls, 69007 Lyon",
    owner: { name: "M. et Mme Bernard" },
    meter: { serial: "B77001", remoteReading: false },
    readings: [
      { date: "2021-10-26", index: 829, type: "NORMAL" },
      { date: "2022-05-09", index: 867, type: "ESTIMATE" },
      { date: "2022-11-17", index: 882, type: "NORMAL" },
      { date: "2022-11-18", index: 882, type: "CUSTOMER" },
      { date: "2024-04-02", index: 89954, type: "CUSTOMER" },
    ],
    subscriptions: [],
  };
}

/** The small world of the journeys: two vacant premises whose predecessor left on 2024-01-15 at 1000 m3, and the source's history. */
export function givenWorld(): GivenServicePoint[] {
  return [
    servicePointFixture({
      id: "PDS-LILAS",
      address: "12 rue des Lilas, 69003 Lyon",
      meter: { serial: "A12345", remoteReading: false },
    }),
    servicePointFixture({
      id: "PDS-ROSES",
      address: "8 avenue des Roses, 69006 Lyon",
      owner: { name: "SCI Les Roses" },
      meter: { serial: "C55501", remoteReading: false },
    }),
    sourceDocumentServicePoint("PDS-TILLEULS"),
    servicePointFixture({
      id: "PDS-ERABLES",
      address: "5 allée des Érables, 69009 Lyon",
      owner: null,
      meter: { serial: "E31337", remoteReading: false },
      readings: [{ date: "2023-06-01", index: 300, type: "NORMAL" }],
      subscriptions: [
        {
          id: "AB-EUROS",
          tags: ["euros"],
          customer: { id: "C-EUROS", name: "Nadia Haddad", email: "nadia@example.fr" },
          start: { date: "2022-01-10", index: 120 },
        },
      ],
    }),
    servicePointFixture({
      id: "PDS-CHENES",
      address: "21 rue des Chênes, 69008 Lyon",
      meter: { serial: "D90210", remoteReading: false },
    }),
  ];
}

/**
 * A move-in with a gap taken three weeks ago at PDS-CHENES, through the real command: its proof
 * task is overdue today (the server under test runs no deadline sweep), so the queue has a late case.
 */
export async function seedOverdueCase(db: Database): Promise<string> {
  const threeWeeksAgo = new Date(Date.now() - 21 * 86_400_000);
  const r = await execute(
    db,
    ctxAs("FO", threeWeeksAgo, "FO-VILLEURBANNE"),
    "moveIn",
    moveInRequest("PDS-CHENES", {
      customer: { name: "Camille Petit", email: null, address: "3 place du Marché, 69100 Villeurbanne" },
      date: "2024-02-20",
      index: 1040,
    }),
  );
  return r.case as string;
}

export interface Harness {
  app: FastifyInstance;
  db: Database;
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function startHarness(world: GivenServicePoint[] = givenWorld()): Promise<Harness> {
  if (!existsSync(join(WEB_DIST, "index.html"))) {
    throw new Error("web/dist is missing: run `npm run build:web` (npm run test:e2e does it)");
  }
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
  const db = await freshEmbeddedDatabase();
  await givenServicePoints(db, ...world);
  if (world.some((sp) => sp.id === "PDS-CHENES")) await seedOverdueCase(db);
  for (const a of ACCOUNTS) await createAccount(db.kysely, { ...a, password: PASSWORD }, new Date());
  const app = await buildApp({ db, webDist: WEB_DIST, logger: false, loginAttemptsPerMinute: 1000 });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--lang=fr-FR",
    ],
  });
  return {
    app,
    db,
    url: `http://127.0.0.1:${port}`,
    browser,
    async close() {
      await browser.close().catch(() => {});
      await app.close();
      await db.close();
    },
  };
}

/** A fresh browser context logged in through the login form, as a real advisor would. */
export async function loginAs(h: Harness, username: string, password = PASSWORD): Promise<Page> {
  const ctx = await h.browser.newContext({
    viewport: { width: 1360, height: 900 },
    locale: "fr-FR",
    timezoneId: "Europe/Paris",
    acceptDownloads: true,
  });
  const page = await ctx.newPage();
  // The CI machine is shared: allow slow moments without hiding a real failure.
  page.setDefaultTimeout(60_000);
  await page.goto(`${h.url}/`);
  await page.getByLabel("Identifiant").fill(username);
  await page.getByLabel("Mot de passe").fill(password);
  await page.getByLabel("Mot de passe").press("Enter");
  await page.getByRole("button", { name: "Se déconnecter" }).waitFor();
  return page;
}

/** Saves a full-page screenshot of a main page for docs/console.md. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
