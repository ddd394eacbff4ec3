/** Lays a letter's blocks out on an A4 page (pdfkit), the address placed for a window envelope. */
import PDFDocument from "pdfkit";
import type { LetterBlocks } from "./templates.js";

const MM = 72 / 25.4;
/** Left and right margins. */
const MARGIN = 20 * MM;
/**
 * The address window of a DL window envelope (A4 folded in three): the recipient block
 * starts 110 mm from the left edge and 50 mm from the top, 85 mm wide (NF Z 10-011 layout).
 */
const WINDOW = { x: 110 * MM, y: 50 * MM, width: 85 * MM };
const BODY_TOP = 100 * MM;
/** Body text size, in points. */
const BODY_PT = 10;
const FONT = "Helvetica";
const BOLD = "Helvetica-Bold";

/**
 * The standard PDF fonts (WinAnsi) have no narrow no-break space: figures keep their thousands apart with a
 * no-break space instead, which also keeps "1 042 m3" on one line.
 */
const standardFontText = <T>(v: T): T =>
  (typeof v === "string"
    ? v.replace(/\u202f/g, "\u00a0")
    : Array.isArray(v)
      ? v.map(standardFontText)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, standardFontText(x)]))
        : v) as T;

/** Renders the letter to a PDF file's bytes. `created` is written as the PDF's creation date. */
export function letterPdf(letter: LetterBlocks, created: Date, title: string): Promise<Buffer> {
  const l = standardFontText(letter);
  const doc = new PDFDocument({
    size: "A4",
    margins: { top: 20 * MM, bottom: 20 * MM, left: MARGIN, right: MARGIN },
    info: {
      Title: title,
      Author: l.letterhead[0] ?? "",
      Subject: l.subject,
      CreationDate: created,
      ModDate: created,
    },
    lang: "fr-FR",
  });
  const chunks: Buffer[] = [];
  doc.on("data", (b: Buffer) => chunks.push(b));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  const width = doc.page.width - 2 * MARGIN;

  // Letterhead, top left.
  const [name, ...rest] = l.letterhead;
  doc
    .font(BOLD)
    .fontSize(13)
    .fillColor("#0b4f8a")
    .text(name ?? "", MARGIN, 15 * MM, { width: 85 * MM });
  doc.font(FONT).fontSize(9).fillColor("#333333");
  for (const line of rest) doc.text(line, { width: 85 * MM });

  // Recipient, in the envelope's window.
  doc.fillColor("#000000").font(FONT).fontSize(11);
  doc.text(l.recipient[0] ?? "", WINDOW.x, WINDOW.y, { width: WINDOW.width });
  for (const line of l.recipient.slice(1)) doc.text(line, { width: WINDOW.width });

  // Place and date, under the window.
  doc.fontSize(BODY_PT).text(l.placeAndDate, WINDOW.x, 85 * MM, { width: WINDOW.width });

  // References, left.
  doc
    .fontSize(8.5)
    .fillColor("#333333")
    .text(l.references.join("\n"), MARGIN, 85 * MM, { width: 80 * MM });

  // Subject and body.
  doc.fillColor("#000000").font(BOLD).fontSize(BODY_PT).text(l.subject, MARGIN, BODY_TOP, { width });
  doc.moveDown(1).font(FONT).fontSize(BODY_PT);
  doc.text(l.salutation, MARGIN, doc.y, { width });
  doc.moveDown(0.5);
  for (const b of l.blocks) {
    if (b.kind === "p") doc.text(b.text, MARGIN, doc.y, { width, align: "justify" });
    else
      doc.list(b.items, MARGIN + 4 * MM, doc.y, {
        width: width - 4 * MM,
        bulletRadius: 1.5,
        textIndent: 4 * MM,
      });
    doc.moveDown(0.5);
  }

  // Summary of the figures.
  doc.moveDown(0.2).font(BOLD).fontSize(9).text("Récapitulatif", MARGIN, doc.y, { width });
  doc.font(FONT).fontSize(9);
  for (const [k, v] of l.facts) {
    const y = doc.y;
    doc.fillColor("#555555").text(k, MARGIN, y, { width: 70 * MM });
    const afterLabel = doc.y;
    doc.fillColor("#000000").text(v, MARGIN + 72 * MM, y, { width: width - 72 * MM });
    doc.y = Math.max(afterLabel, doc.y);
  }

  // The closing and the signature stay together, on a new page if need be.
  doc.fontSize(BODY_PT);
  const closingHeight =
    doc.heightOfString(l.closing, { width }) + (l.signature.length + 3) * doc.currentLineHeight(true);
  if (doc.y + closingHeight > doc.page.height - doc.page.margins.bottom) doc.addPage();
  else doc.moveDown(0.8);
  doc.text(l.closing, MARGIN, doc.y, { width, align: "justify" });
  doc.moveDown(1.5);
  for (const line of l.signature) doc.text(line, WINDOW.x, doc.y, { width: WINDOW.width });
  doc.end();
  return done;
}
