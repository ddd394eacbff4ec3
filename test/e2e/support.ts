/**
 * End-to-end harness: the real Fastify app (buildApp, serving the built console from web/dist)
 * on a free loopback port, a fresh embedded database seeded with a small given world and real
 * accounts, and headless Chromium driven by playwright-core.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import { type Browser, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
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
/** The two widths every main page is checked and pictured at: a common laptop, and a small one or a tablet. */
export const WIDE = { width: 1366, height: 900 };
export const NARROW = { width: 1024, height: 768 };

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

/**
 * The journey of gap-proof-subscription.e2e done through the real commands, today, for journeys that start
 * after it: a 20 m3 gap at PDS-ROSES (1020), then a proof of the same day at 1012 m3, so R9 finds 12 m3 nobody
 * was billed for, in the reports' default period (this month). The case's id.
 */
export async function seedIntermediateConsumption(db: Database): Promise<string> {
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Paris" }).format(new Date());
  const opened = await execute(
    db,
    ctxAs("FO", new Date(), "FO-LYON"),
    "moveIn",
    moveInRequest("PDS-ROSES", {
      customer: { name: "Luc Moreau", email: "luc@example.fr", address: "8 avenue des Roses, 69006 Lyon" },
      date: today,
      index: 1020,
    }),
  );
  await execute(db, ctxAs("BO", new Date(), "BO-LYON"), "receiveProof", {
    case: opened.case,
    kind: "ENTRY_INVENTORY",
    date: today,
    index: 1012,
    meterSerial: "C55501",
  });
  return opened.case as string;
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
    // On Linux Chromium takes its language from the environment, not --lang: date inputs and the file
    // picker then read as a French advisor's do (with Debian's chromium-l10n installed).
    env: { ...process.env, LANGUAGE: "fr_FR", LANG: "fr_FR.UTF-8" },
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
    viewport: WIDE,
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

/** axe-core's browser build (the version pinned in package.json), evaluated in the page (no script tag: no CSP to pass). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/**
 * Runs axe-core on the page as it is now and fails on any « serious » or « critical » violation, naming the
 * rule and the elements. Every journey calls it on every page it shows (through `screenshot` too).
 */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is a global the evaluated script defines
    const axe = (window as any).axe;
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations as AxeViolation[];
  });
  const bad = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(bad, `axe on ${where}`).toEqual([]);
}

/**
 * Saves a full-page screenshot of a main page for docs/console.md, at 1366 px (NAME.png) and, when asked,
 * at 1024 px too (NAME-1024.png); axe checks the page at each width.
 */
export async function screenshot(page: Page, name: string, opts: { narrow?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await expectAccessible(page, name);
  // A full-page picture taken while scrolled draws the sticky navigation bar where the viewport was, across
  // the page: taken from the top, then the scroll is given back to the test.
  const scrolled = await page.evaluate(() => {
    const y = window.scrollY;
    window.scrollTo(0, 0);
    return y;
  });
  await page.screenshot({ path, fullPage: true });
  if (opts.narrow) {
    const before = page.viewportSize() ?? WIDE;
    await page.setViewportSize(NARROW);
    await expectAccessible(page, `${name} at 1024 px`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-1024.png`), fullPage: true });
    await page.setViewportSize(before);
  }
  await page.evaluate((y) => window.scrollTo(0, y), scrolled);
  return path;
}

/** Text with its white space (spaces, no-break and thin spaces, line breaks) folded into single spaces. */
export const flat = (s: string | null): string => (s ?? "").replace(/[\s\u00a0\u202f]+/g, " ").trim();
/** Text with every white space removed (figures compared whatever their thousands separator). */
export const nospace = (s: string | null): string => (s ?? "").replace(/[\s\u00a0\u202f]+/g, "");

/** Searches from the navigation and opens a service point's page. */
export async function openServicePoint(page: Page, query: string, id: string): Promise<void> {
  await page.getByRole("link", { name: "Recherche", exact: true }).click();
  await page.getByLabel("Rechercher").fill(query);
  await page.getByLabel("Rechercher").press("Enter");
  await page.getByRole("link", { name: id, exact: true }).first().click();
  await page.getByRole("heading", { name: "Historique des relevés" }).waitFor();
}
