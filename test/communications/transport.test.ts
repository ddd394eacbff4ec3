import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { StoredMessage } from "../../src/communications/render.js";
import {
  DeliveryError,
  deliver,
  deliveryConfigFromEnv,
  smtpFromEnv,
  transportFor,
} from "../../src/communications/transport.js";
import { testDeliveryConfig } from "./helpers.js";

describe("configuration from the environment", () => {
  it.each([
    ["smtp://relay.example.fr", { host: "relay.example.fr", port: 587, secure: false, user: undefined }],
    ["smtp://127.0.0.1:2525", { host: "127.0.0.1", port: 2525, secure: false }],
    [
      "smtps://ecart:p%40ss@mail.example.fr",
      { host: "mail.example.fr", port: 465, secure: true, user: "ecart", pass: "p@ss" },
    ],
  ])("%s", (url, expected) => expect(smtpFromEnv({ SMTP_URL: url })).toMatchObject(expected));

  it("reads the TLS options, and no SMTP_URL means no SMTP", () => {
    expect(smtpFromEnv({})).toBeNull();
    expect(smtpFromEnv({ SMTP_URL: "smtp://h" })).toMatchObject({
      requireTLS: false,
      ignoreTLS: false,
      rejectUnauthorized: true,
      timeoutMs: 30_000,
    });
    expect(
      smtpFromEnv({
        SMTP_URL: "smtp://h",
        SMTP_REQUIRE_TLS: "true",
        SMTP_TLS_REJECT_UNAUTHORIZED: "false",
        SMTP_TLS_CA: "/etc/ca.pem",
        SMTP_TIMEOUT_MS: "5000",
      }),
    ).toMatchObject({ requireTLS: true, rejectUnauthorized: false, caFile: "/etc/ca.pem", timeoutMs: 5000 });
    expect(() => smtpFromEnv({ SMTP_URL: "http://h" })).toThrow(/smtp:\/\//);
  });

  it("puts the outbox under ECART_DATA, letters always in the print folder", () => {
    const d = deliveryConfigFromEnv({});
    expect([d.emailDir, d.letterDir]).toEqual([
      join("data", "outbox", "email"),
      join("data", "outbox", "letters"),
    ]);
    const e = deliveryConfigFromEnv({
      ECART_DATA: "/srv/ecart",
      ECART_PRINT_DIR: "/srv/print",
      MAIL_FROM: "Eau <x@eau.fr>",
      SMTP_URL: "smtp://h",
    });
    expect(e).toMatchObject({ emailDir: "/srv/ecart/outbox/email", letterDir: "/srv/print" });
    expect(e.identity.from).toBe("Eau <x@eau.fr>");
    expect(transportFor(e, "EMAIL")).toBe("SMTP");
    expect(transportFor(e, "LETTER")).toBe("FILE");
    expect(transportFor(d, "EMAIL")).toBe("FILE");
  });
});

/** A minimal SMTP server that misbehaves on purpose. */
function fakeRelay(
  mode: "drop-after-data" | "refuse-recipient" | "drop-at-connect",
): Promise<{ server: Server; port: number }> {
  const server = createServer((sock: Socket) => {
    if (mode === "drop-at-connect") {
      sock.destroy();
      return;
    }
    sock.write("220 fake ESMTP\r\n");
    let buf = "";
    let inData = false;
    sock.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      if (inData) {
        if (buf.includes("\r\n.\r\n")) sock.destroy(); // took the whole message, never answered
        return;
      }
      for (let i = buf.indexOf("\r\n"); i >= 0; i = buf.indexOf("\r\n")) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (/^EHLO/i.test(line)) sock.write("250-fake\r\n250 8BITMIME\r\n");
        else if (/^HELO/i.test(line)) sock.write("250 fake\r\n");
        else if (/^MAIL/i.test(line)) sock.write("250 ok\r\n");
        else if (/^RCPT/i.test(line))
          sock.write(mode === "refuse-recipient" ? "550 no such user\r\n" : "250 ok\r\n");
        else if (/^DATA/i.test(line)) {
          sock.write("354 go ahead\r\n");
          inData = true;
          if (buf.includes("\r\n.\r\n")) sock.destroy();
          return;
        } else if (/^QUIT/i.test(line)) sock.end("221 bye\r\n");
        else sock.write("250 ok\r\n");
      }
    });
    sock.on("error", () => {});
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    ),
  );
}

const message: StoredMessage = {
  id: "MSG-000042",
  template: "CONFIRMATION_PREDECESSOR_INDEX",
  channel: "EMAIL",
  recipient_name: "Jeanne Martin",
  to_address: "jeanne@example.fr",
  created_at: new Date("2024-04-01T08:00:00Z"),
  message_id: null,
  payload: {
    servicePoint: { id: "PDS-1", address: "12 rue des Lilas, 69003 Lyon" },
    meterSerial: "A12345",
    caseId: "CASE-000001",
    recipient: { name: "Jeanne Martin", postalAddress: null },
    termination: { date: "2024-01-15", index: 1000 },
    declared: { date: "2024-03-02", index: 1012 },
    start: { date: "2024-01-15", index: 1000 },
  },
};

describe("what an SMTP failure says about the message", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function failureOf(mode: Parameters<typeof fakeRelay>[0]): Promise<DeliveryError> {
    const relay = await fakeRelay(mode);
    server = relay.server;
    try {
      await deliver(testDeliveryConfig(relay.port), message);
    } catch (e) {
      if (e instanceof DeliveryError) return e;
      throw e;
    }
    throw new Error("delivered");
  }

  it("a refused recipient: surely not sent, retried", async () => {
    const e = await failureOf("refuse-recipient");
    expect(e.certainNotSent).toBe(true);
    expect(e.message).toContain("550");
  });

  it("a connection dropped before the greeting: surely not sent", async () => {
    expect((await failureOf("drop-at-connect")).certainNotSent).toBe(true);
  });

  it("the relay took the whole message and dropped the line without answering: outcome unknown", async () => {
    expect((await failureOf("drop-after-data")).certainNotSent).toBe(false);
  });

  it("a payload that lacks a fact is not rendered, and nothing is sent", async () => {
    const relay = await fakeRelay("drop-after-data");
    server = relay.server;
    const broken = { ...message, payload: { ...(message.payload as object), start: null } };
    await expect(deliver(testDeliveryConfig(relay.port), broken)).rejects.toMatchObject({
      certainNotSent: true,
      message: expect.stringContaining("start"),
    });
  });
});
