/** R17 mutation and R19 documents at the counter over the API, on both engines. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES } from "../support/databases.js";
import { givenServicePoints, servicePointFixture } from "../support/factories.js";
import { type TestApi, testApi } from "./helpers.js";

describe.each(ENGINES)("handovers over the API (%s)", (engine) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await testApi(engine);
    await givenServicePoints(
      t.tdb.db,
      servicePointFixture({
        id: "PDS-H1",
        subscriptions: [
          {
            id: "AB-H1",
            customer: { id: "C-H1", name: "Julie Marchand", email: "julie@example.fr" },
            start: { date: "2021-09-01", index: 700 },
            end: null,
          },
        ],
      }),
    );
  });
  afterAll(() => t.close());

  it("POST /api/subscriptions/:id/mutation: the newcomer subscribed at the handover, then 409 SUBSCRIPTION_ENDED", async () => {
    const body = {
      date: "2024-03-01",
      index: 1003,
      customer: { name: "Omar Haddad", email: "omar@example.fr" },
    };
    const res = await t.as("FO", { method: "POST", url: "/api/subscriptions/AB-H1/mutation", payload: body });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      outcome: "SUBSCRIBED",
      ended: "AB-H1",
      subscription: expect.any(String),
    });
    const sp = (await t.as("FO", { url: "/api/service-points/PDS-H1" })).json();
    expect(sp.subscriptions.map((s: { start: { source: string } }) => s.start.source)).toContain("MUTATION");
    const again = await t.as("BO", {
      method: "POST",
      url: "/api/subscriptions/AB-H1/mutation",
      payload: body,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: "SUBSCRIPTION_ENDED", field: "subscription" });
    const euros = await t.as("EUROS", {
      method: "POST",
      url: "/api/subscriptions/AB-H1/mutation",
      payload: body,
    });
    expect(euros.statusCode).toBe(403);
  });
});
