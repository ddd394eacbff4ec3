/** A reference row dated after the day of the load is refused with French dates (JJ/MM/AAAA), for a French reader. */
import { describe, expect, it } from "vitest";
import { isRefusal, parseRow } from "../../src/integration/rows.js";

const row = (start_date: string) => ({
  subscription: "AB-1",
  service_point: "PDS-1",
  customer: "C-1",
  customer_name: "Jeanne Martin",
  start_date,
  start_index: "100",
});

describe("reference rows dated in the future", () => {
  it("the day of the load is accepted", () => {
    expect(isRefusal(parseRow("subscriptions", row("2024-03-05"), 2, "2024-03-05"))).toBe(false);
  });

  it("the day after is refused with both dates in French", () => {
    const r = parseRow("subscriptions", row("2024-03-06"), 2, "2024-03-05");
    expect(isRefusal(r)).toBe(true);
    if (!isRefusal(r)) return;
    expect(r.error.code).toBe("DATE_IN_FUTURE");
    expect(r.error.messageFr).toBe(
      "start_date : la date du 06/03/2024 est postérieure au jour du chargement (05/03/2024).",
    );
  });
});
