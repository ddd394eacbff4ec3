import { describe, expect, it } from "vitest";
import { longDate } from "../../src/communications/french.js";
import { DEFAULT_IDENTITY } from "../../src/communications/identity.js";
import { messageIdFor } from "../../src/communications/render.js";
import {
  composeMessage,
  type MessageMeta,
  postalLines,
  renderEmail,
  renderLetter,
} from "../../src/communications/templates.js";

const meta: MessageMeta = {
  id: "MSG-000007",
  createdAt: new Date("2024-03-05T09:00:00Z"),
  identity: DEFAULT_IDENTITY,
  channel: "EMAIL",
  timeZone: "Europe/Paris",
};

const base = {
  servicePoint: { id: "PDS-1", address: "12 rue des Lilas, 69003 Lyon" },
  meterSerial: "A12345",
  caseId: "CASE-000001",
  recipient: { name: "Jeanne Martin", postalAddress: "5 place Bellecour, 69002 Lyon" },
};

const proofRequest = {
  ...base,
  termination: { date: "2024-01-15", index: 1000 },
  declared: { date: "2024-03-02", index: 1012 },
  gap: 12,
  dueDate: "2024-03-20",
};

const predecessor = {
  ...base,
  termination: { date: "2024-01-15", index: 1000 },
  declared: { date: "2024-03-02", index: 1012 },
  start: { date: "2024-01-15", index: 1000, source: "PREDECESSOR" },
};

const proof = {
  ...base,
  proof: { kind: "ENTRY_INVENTORY", label: "état des lieux d'entrée", date: "2024-02-20", index: 1009 },
  start: { date: "2024-02-20", index: 1009, source: "PROOF" },
  termination: { date: "2024-01-15", index: 1000 },
  prescription: false,
};

const contest = {
  ...base,
  caseId: null,
  contest: {
    id: "CT-000003",
    reason: "Je n'habitais pas encore le logement en janvier.",
    createdAt: "2024-04-02T08:30:00.000Z",
  },
  answer:
    "L'abonnement a été mis en place à l'index de résiliation faute de justificatif.\n\nVous pouvez encore nous adresser votre état des lieux.",
  subscription: { id: "AB-000009", start: { date: "2024-01-15", index: 1000, source: "PREDECESSOR" } },
  regularization: false,
};

describe("French dates", () => {
  it.each([
    ["2024-03-20", "20 mars 2024"],
    ["2024-03-01", "1er mars 2024"],
    ["2024-02-29", "29 février 2024"],
    ["2024-08-15", "15 août 2024"],
    ["2023-12-31", "31 décembre 2023"],
  ])("%s → %s", (iso, fr) => expect(longDate(iso)).toBe(fr));
});

describe("postal lines", () => {
  it.each([
    ["12 rue des Lilas, 69003 Lyon", ["12 rue des Lilas", "69003 LYON"]],
    [
      "Bât. B, 3 impasse des Tilleuls, 69100 Villeurbanne",
      ["Bât. B", "3 impasse des Tilleuls", "69100 VILLEURBANNE"],
    ],
    ["12 rue des Lilas\n69003 Lyon", ["12 rue des Lilas", "69003 LYON"]],
    ["Lieu-dit Les Granges", ["Lieu-dit Les Granges"]],
  ])("%j", (one, lines) => expect(postalLines(one)).toEqual(lines));
});

describe("PROOF_REQUEST", () => {
  const mail = renderEmail("PROOF_REQUEST", proofRequest, meta);
  it("names the premises, meter, indexes, dates and the deadline with its consequence", () => {
    expect(mail.subject).toBe(
      "Votre arrivée au 12 rue des Lilas, 69003 Lyon : justificatif à nous transmettre avant le 20 mars 2024",
    );
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain("12 rue des Lilas, 69003 Lyon");
      expect(part).toContain("PDS-1");
      expect(part).toContain("A12345");
      expect(part).toContain("1\u202f012 m3 au 2 mars 2024");
      expect(part).toContain("1\u202f000 m3 au 15 janvier 2024");
      expect(part).toContain("CASE-000001");
    }
    expect(mail.text).toContain("supérieur de 12 m3");
    expect(mail.text).toContain(
      "Sans justificatif reçu dans un délai de 15 jours, soit au plus tard le 20 mars 2024, votre abonnement sera mis en place avec l'index et la date de résiliation de l'ancien occupant : 1\u202f000 m3 au 15 janvier 2024.",
    );
    expect(mail.text).toContain("l'acte de vente");
    expect(mail.text).toContain("l'état des lieux d'entrée");
  });

  it("says which way the gap goes when the declared index is below the termination", () => {
    const t = renderEmail(
      "PROOF_REQUEST",
      { ...proofRequest, declared: { date: "2024-03-02", index: 990 }, gap: -10 },
      meta,
    ).text;
    expect(t).toContain("990 m3 au 2 mars 2024, est inférieur de 10 m3");
  });

  it("words the request without a declared index (reconnection)", () => {
    const t = renderEmail(
      "PROOF_REQUEST",
      { ...proofRequest, declared: { date: "2024-03-02", index: null }, gap: null },
      meta,
    ).text;
    // R6: with no declared index and no visit, the gap is unknown: the letter claims none.
    expect(t).not.toContain("Un écart de consommation a été constaté");
    expect(t).toContain(
      "l'index et la date de résiliation de l'ancien occupant : 1\u202f000 m3 au 15 janvier 2024",
    );
    expect(t).not.toContain("null");
  });

  it("gives the real number of days left when the deadline was set earlier", () => {
    const t = renderEmail("PROOF_REQUEST", proofRequest, {
      ...meta,
      createdAt: new Date("2024-03-15T09:00:00Z"),
    }).text;
    expect(t).toContain("dans un délai de 5 jours, soit au plus tard le 20 mars 2024");
  });

  it("tells a letter's reader to write back by post, an email's reader to answer the message", () => {
    expect(renderEmail("PROOF_REQUEST", proofRequest, meta).text).toContain("en réponse à ce message");
    const l = renderLetter("PROOF_REQUEST", proofRequest, {
      ...meta,
      channel: "LETTER",
      toAddress: "5 place Bellecour, 69002 Lyon",
      recipientName: "Jeanne Martin",
    });
    expect(l.blocks.map((b) => (b.kind === "p" ? b.text : b.items.join(" "))).join(" ")).toContain(
      "par courrier à l'adresse figurant en haut de cette lettre",
    );
  });
});

describe("CONFIRMATION_PREDECESSOR_INDEX", () => {
  it("reminds that without proof the predecessor's index and date were used", () => {
    const m = renderEmail("CONFIRMATION_PREDECESSOR_INDEX", predecessor, meta);
    expect(m.subject).toBe("Mise en place de votre abonnement au 12 rue des Lilas, 69003 Lyon");
    expect(m.text).toContain("En l'absence de justificatif d'entrée dans les lieux");
    expect(m.text).toContain(
      "avec l'index et la date de résiliation de l'ancien occupant : il prend effet le 15 janvier 2024, avec l'index 1\u202f000 m3",
    );
    expect(m.text).toContain("vous nous aviez déclaré l'index 1\u202f012 m3 au 2 mars 2024");
    expect(m.html).toContain("A12345");
  });
});

describe("CONFIRMATION_PROOF", () => {
  it.each([
    [
      "PROOF",
      "à la date et à l'index figurant sur ce document : il prend effet le 20 février 2024, avec l'index 1\u202f009 m3",
    ],
    ["PROOF_DATE_PREDECESSOR_INDEX", "avec l'index de résiliation de l'ancien occupant"],
    ["PROOF_DATE_REMOTE_INDEX", "par la télérelève de votre compteur"],
    ["PRESCRIPTION", "article L218-2 du Code de la consommation"],
  ])("start source %s", (source, words) => {
    const t = renderEmail("CONFIRMATION_PROOF", { ...proof, start: { ...proof.start, source } }, meta).text;
    expect(t).toContain(words);
    expect(t).toContain("état des lieux d'entrée du 20 février 2024, index 1\u202f009 m3");
  });

  it.each([
    [
      undefined,
      "prescription biennale que vous avez invoquée (article L218-2",
      "deux ans avant le traitement",
    ],
    [2, "prescription biennale que vous avez invoquée (article L218-2", "deux ans avant le traitement"],
    [5, "prescription de 5 ans que vous avez invoquée,", "5 ans avant le traitement"],
    [1, "prescription d'un an que vous avez invoquée,", "un an avant le traitement"],
  ])("a prescribed start names the prescription in force (%s years)", (prescriptionYears, rule, when) => {
    const prescribed = {
      ...proof,
      prescription: true,
      ...(prescriptionYears === undefined ? {} : { prescriptionYears }),
      start: { date: "2022-03-05", index: 900, source: "PRESCRIPTION" },
    };
    const t = renderEmail("CONFIRMATION_PROOF", prescribed, meta).text;
    expect(t).toContain(rule);
    expect(t).toContain(when);
    if (prescriptionYears !== undefined && prescriptionYears !== 2)
      expect(t).not.toMatch(/biennale|L218-2|deux ans/);
  });

  it("says the consumption between the occupants is not billed when the start is above the termination", () => {
    expect(renderEmail("CONFIRMATION_PROOF", proof, meta).text).toContain(
      "La consommation enregistrée entre la résiliation de l'ancien occupant (1\u202f000 m3 au 15 janvier 2024) et le début de votre abonnement ne vous sera pas facturée.",
    );
    const same = {
      ...proof,
      start: { date: "2024-02-20", index: 1000, source: "PROOF_DATE_PREDECESSOR_INDEX" },
    };
    expect(renderEmail("CONFIRMATION_PROOF", same, meta).text).not.toContain("ne vous sera pas facturée");
  });
});

describe("CONTEST_ANSWER", () => {
  it("quotes the contest, gives the advisor's answer and what comes next", () => {
    const m = renderEmail("CONTEST_ANSWER", contest, meta);
    expect(m.subject).toBe("Réponse à votre contestation de l'abonnement AB-000009");
    expect(m.text).toContain("Le 2 avril 2024, vous avez contesté votre abonnement AB-000009");
    expect(m.text).toContain("« Je n'habitais pas encore le logement en janvier. »");
    expect(m.text).toContain("Vous pouvez encore nous adresser votre état des lieux.");
    expect(m.text).toContain("en rappelant la référence CT-000003");
    expect(m.text).toContain("15 janvier 2024 avec l'index 1\u202f000 m3");
    const r = renderEmail("CONTEST_ANSWER", { ...contest, regularization: true }, meta);
    expect(r.text).toContain("Une régularisation de votre abonnement est nécessaire");
  });

  it("escapes what the advisor and the customer wrote in the HTML part", () => {
    const m = renderEmail("CONTEST_ANSWER", { ...contest, answer: "<b>5 < 6</b> & co" }, meta);
    expect(m.html).toContain("&lt;b&gt;5 &lt; 6&lt;/b&gt; &amp; co");
    expect(m.html).not.toContain("<b>5");
  });
});

const reminder = {
  ...base,
  termination: { date: "2024-01-15", index: 1000 },
  declared: { date: "2024-03-02", index: 1012 },
  gap: 12,
  askedOn: "2024-03-05",
  dueDate: "2024-03-20",
};

describe("PROOF_REMINDER (R18)", () => {
  const onReminderDay = { ...meta, createdAt: new Date("2024-03-15T08:00:00Z") };
  const mail = renderEmail("PROOF_REMINDER", reminder, onReminderDay);
  it("recalls the request, the figures, the deadline and what happens without a proof", () => {
    expect(mail.subject).toBe(
      "Rappel : justificatif d'entrée à nous transmettre avant le 20 mars 2024 (12 rue des Lilas, 69003 Lyon)",
    );
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain("Le 5 mars 2024, nous vous avons demandé un justificatif");
      expect(part).toContain("PDS-1");
      expect(part).toContain("A12345");
      expect(part).toContain("CASE-000001");
    }
    expect(mail.text).toContain(
      "l'index que vous nous avez déclaré, 1\u202f012 m3 au 2 mars 2024, est supérieur de 12 m3 à l'index de résiliation de l'ancien occupant, 1\u202f000 m3 au 15 janvier 2024",
    );
    expect(mail.text).toContain(
      "Il vous reste 5 jours : nous vous remercions de nous adresser, au plus tard le 20 mars 2024",
    );
    expect(mail.text).toContain("l'attestation notariée");
    expect(mail.text).toContain(
      "Sans justificatif reçu au plus tard le 20 mars 2024, votre abonnement sera mis en place avec l'index et la date de résiliation de l'ancien occupant : 1\u202f000 m3 au 15 janvier 2024.",
    );
    expect(mail.text).toContain("ne pas tenir compte de ce rappel");
    expect(mail.text).toContain("Date limite de réception du justificatif : 20 mars 2024");
  });

  it("claims no gap when none is known yet (reconnection without index)", () => {
    const t = renderEmail(
      "PROOF_REMINDER",
      { ...reminder, declared: { date: "2024-03-02", index: null }, gap: null },
      onReminderDay,
    ).text;
    expect(t).not.toContain("écart");
    expect(t).not.toContain("null");
    expect(t).toContain("Date d'entrée déclarée : 2 mars 2024");
  });

  it("on the due day itself, counts no days left", () => {
    const t = renderEmail("PROOF_REMINDER", reminder, {
      ...meta,
      createdAt: new Date("2024-03-20T08:00:00Z"),
    }).text;
    expect(t).not.toContain("Il vous reste");
    expect(t).toContain("Nous vous remercions de nous adresser, au plus tard le 20 mars 2024");
  });

  it("tells a letter's reader to write back by post", () => {
    const l = renderLetter("PROOF_REMINDER", reminder, {
      ...onReminderDay,
      channel: "LETTER",
      toAddress: "5 place Bellecour, 69002 Lyon",
      recipientName: "Jeanne Martin",
    });
    expect(l.blocks.map((b) => (b.kind === "p" ? b.text : b.items.join(" "))).join(" ")).toContain(
      "par courrier à l'adresse figurant en haut de cette lettre",
    );
  });

  it("refuses a payload without the day the proof was asked for", () => {
    const { askedOn: _, ...noDay } = reminder;
    expect(() => composeMessage("PROOF_REMINDER", noDay, meta)).toThrow(/PROOF_REMINDER.*askedOn/);
  });
});

const mutation = {
  servicePoint: { id: "PDS-9", address: "18 rue Victor Hugo, 38000 Grenoble" },
  meterSerial: "D90210",
  caseId: null,
  recipient: { name: "Omar Haddad", postalAddress: "18 rue Victor Hugo, 38000 Grenoble" },
  subscription: { id: "SUB-000001", start: { date: "2024-04-30", index: 1090 } },
};

describe("CONFIRMATION_MUTATION (R17)", () => {
  const mail = renderEmail("CONFIRMATION_MUTATION", mutation, meta);
  it("confirms the subscription at the handover's date and index", () => {
    expect(mail.subject).toBe(
      "Changement d'occupant : votre abonnement au 18 rue Victor Hugo, 38000 Grenoble",
    );
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain("18 rue Victor Hugo, 38000 Grenoble");
      expect(part).toContain("PDS-9");
      expect(part).toContain("D90210");
      expect(part).toContain("SUB-000001");
    }
    expect(mail.text).toContain("à la suite du changement d'occupant du logement");
    expect(mail.text).toContain(
      "L'index du compteur a été relevé le 30 avril 2024, lors de votre entrée dans les lieux en présence de l'occupant précédent : 1\u202f090 m3.",
    );
    expect(mail.text).toContain("Votre consommation vous sera facturée à partir de l'index 1\u202f090 m3");
    expect(mail.text).toContain("Début de l'abonnement : 30 avril 2024, index 1\u202f090 m3");
    expect(mail.text).not.toContain("Dossier :");
  });

  it("as a letter, references the subscription", () => {
    const l = renderLetter("CONFIRMATION_MUTATION", mutation, {
      ...meta,
      channel: "LETTER",
      toAddress: "18 rue Victor Hugo, 38000 Grenoble",
      recipientName: "Omar Haddad",
    });
    expect(l.references).toEqual([
      "Abonnement : SUB-000001",
      "Point de desserte : PDS-9",
      "Courrier : MSG-000007",
    ]);
    expect(l.recipient).toEqual(["Omar Haddad", "18 rue Victor Hugo", "38000 GRENOBLE"]);
  });
});

describe("letter blocks", () => {
  const l = renderLetter("PROOF_REQUEST", proofRequest, {
    ...meta,
    channel: "LETTER",
    toAddress: "5 place Bellecour, 69002 Lyon",
    recipientName: "Jeanne Martin",
  });
  it("addresses the customer for the window, dates the letter in French, states the subject", () => {
    expect(l.recipient).toEqual(["Jeanne Martin", "5 place Bellecour", "69002 LYON"]);
    expect(l.placeAndDate).toBe("Lyon, le 5 mars 2024");
    expect(l.subject).toMatch(/^Objet : Votre arrivée au 12 rue des Lilas/);
    expect(l.references).toEqual([
      "Dossier : CASE-000001",
      "Point de desserte : PDS-1",
      "Courrier : MSG-000007",
    ]);
    expect(l.letterhead[0]).toBe(DEFAULT_IDENTITY.name);
    expect(l.signature).toEqual([DEFAULT_IDENTITY.department, DEFAULT_IDENTITY.name]);
    expect(l.closing).toContain("salutations distinguées");
  });

  it("dates a letter decided late in the evening on the Paris day", () => {
    const late = renderLetter("PROOF_REQUEST", proofRequest, {
      ...meta,
      channel: "LETTER",
      createdAt: new Date("2024-03-05T23:30:00Z"),
      toAddress: "x, 69002 Lyon",
      recipientName: "J",
    });
    expect(late.placeAndDate).toBe("Lyon, le 6 mars 2024");
  });
});

describe("payload checks", () => {
  it("refuses a payload that lacks the facts the letter must name", () => {
    const { dueDate: _, ...noDeadline } = proofRequest;
    expect(() => composeMessage("PROOF_REQUEST", noDeadline, meta)).toThrow(/PROOF_REQUEST.*dueDate/);
    expect(() => composeMessage("CONFIRMATION_PROOF", { ...proof, start: undefined }, meta)).toThrow(/start/);
  });
});

describe("Message-ID", () => {
  it("is fixed by the message's id and creation instant, and kept once stored", () => {
    const m = { id: "MSG-000001", created_at: new Date("2024-03-05T09:00:00Z"), message_id: null };
    const a = messageIdFor(m, "Eau <clientele@eau.example.fr>");
    expect(a).toBe(messageIdFor({ ...m }, "Eau <clientele@eau.example.fr>"));
    expect(a).toMatch(/^<MSG-000001\.[0-9a-z]+@eau\.example\.fr>$/);
    expect(messageIdFor({ ...m, id: "MSG-000002" }, "clientele@eau.example.fr")).not.toBe(a);
    expect(messageIdFor({ ...m, message_id: "<kept@x>" }, "a@b")).toBe("<kept@x>");
  });
});
