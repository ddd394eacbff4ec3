import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { deliveryConfigFromEnv } from "../communications/transport.js";
import { makeConfig } from "../platform/config.js";
import { describeDatabase, describeMail, figuresInForce } from "./startup.js";

describe("the start-up line", () => {
  it("names the database without its password", () => {
    const d = describeDatabase("postgres://ecart:s3cr%21t@db.example:6543/ecart_prod?sslmode=require");
    expect(d).toBe("PostgreSQL server ecart@db.example:6543/ecart_prod");
    expect(d).not.toContain("s3cr");
    expect(describeDatabase("postgresql://db/ecart")).toBe("PostgreSQL server db:5432/ecart");
    expect(describeDatabase("postgres://ecart@%2Fvar%2Frun%2Fpostgresql/ecart")).toBe(
      "PostgreSQL server ecart@socket /var/run/postgresql/ecart",
    );
    expect(describeDatabase("./data")).toBe(`embedded PGlite in ${resolve("data")}`);
  });

  it("names the mail transport: the SMTP relay without its password, or the .eml folder", () => {
    const smtp = describeMail(
      deliveryConfigFromEnv({
        SMTP_URL: "smtps://mailer:hunter2@relay.example:465",
        ECART_DATA: "/srv/ecart",
      }),
    );
    expect(smtp).toEqual({
      emails: "SMTP relay.example:465 (TLS) as mailer",
      letters: "PDF files in /srv/ecart/outbox/letters",
    });
    expect(JSON.stringify(smtp)).not.toContain("hunter2");
    expect(describeMail(deliveryConfigFromEnv({ ECART_OUTBOX_DIR: "/tmp/ob" })).emails).toBe(
      ".eml files in /tmp/ob/email",
    );
  });

  it("gives the figures in force", () => {
    expect(figuresInForce(makeConfig({ toleranceM3: 7 }))).toMatchObject({
      toleranceM3: 7,
      proofDeadlineDays: 15,
      prescriptionYears: 2,
    });
  });
});
