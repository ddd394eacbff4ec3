/**
 * R19: the documents the customer handed in at the counter, on the case page: the list (kind, day received,
 * file, whether BO processed it) and « Joindre un document » for FO and BO (multipart: the file, its kind,
 * the day received). BO then processes one with « Justificatif reçu » naming the document.
 */
import { useState } from "react";
import { api } from "../api.ts";
import { FormError, useCommand } from "../command.tsx";
import { frDate, label, megabytes, PROOF_KIND, todayParis } from "../format.ts";
import { useMay } from "../session.ts";
import type { CaseDocument, CaseView, CommandResult } from "../types.ts";
import { AsyncList, CodeSelect, DateField, Field, fieldError, Section, useGet } from "../ui.tsx";

export function CaseDocuments({ c, onDone }: { c: CaseView; onDone: (r: CommandResult) => void }) {
  const url = `/api/cases/${encodeURIComponent(c.id)}/documents`;
  const docs = useGet<{ items: CaseDocument[] }>(url);
  const may = useMay("attachDocument");
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState("SALE_DEED");
  const [receivedOn, setReceivedOn] = useState(todayParis());
  const [file, setFile] = useState<File | null>(null);
  const { busy, error: err, submit, renewKey } = useCommand();
  const onSubmit = submit(
    (key) => {
      const fd = new FormData();
      fd.append("kind", kind);
      fd.append("receivedOn", receivedOn);
      if (file) fd.append("file", file, file.name);
      return api.post<CommandResult>(url, fd, { idempotencyKey: key });
    },
    {
      onDone: (r) => {
        renewKey();
        setOpen(false);
        setFile(null);
        docs.reload();
        onDone(r);
      },
    },
  );
  return (
    <Section
      title="Documents remis au guichet"
      actions={
        may && !open ? (
          <button type="button" onClick={() => setOpen(true)}>
            Joindre un document
          </button>
        ) : null
      }
    >
      <AsyncList state={docs} what="Chargement des documents" empty="Aucun document joint.">
        {(d) => (
          <ul className="plain" data-testid="case-documents">
            {d.items.map((x) => (
              <li key={x.id}>
                <span className="mono">{x.id}</span> — {label(PROOF_KIND, x.kind)}, reçu le{" "}
                {frDate(x.receivedOn)}
                {x.fileName ? (
                  <>
                    {" "}
                    — <a href={`/api/documents/${encodeURIComponent(x.id)}/file`}>{x.fileName}</a>
                  </>
                ) : null}{" "}
                — {x.proof ? `traité (justificatif ${x.proof})` : "à traiter par le back office"}
              </li>
            ))}
          </ul>
        )}
      </AsyncList>
      {open && (
        <form className="inline-form" onSubmit={onSubmit} aria-label="Joindre un document">
          <div className="grid2">
            <Field label="Type de document" error={fieldError(err, "kind")}>
              {(id, dd) => (
                <CodeSelect id={id} describedBy={dd} labels={PROOF_KIND} value={kind} onChange={setKind} />
              )}
            </Field>
            <DateField
              label="Reçu le"
              error={fieldError(err, "receivedOn")}
              max={todayParis()}
              value={receivedOn}
              onChange={setReceivedOn}
            />
          </div>
          <DocumentFileField
            label={`Document (PDF, JPEG ou PNG, ${megabytes(c.uploadMaxBytes)} au plus)`}
            error={fieldError(err, "file")}
            onFile={setFile}
          />
          <FormError error={err} fields={["kind", "receivedOn", "file"]} />
          <div className="form-buttons">
            <button type="submit" className="primary" disabled={busy}>
              Joindre au dossier
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Annuler
            </button>
          </div>
        </form>
      )}
    </Section>
  );
}

/** The file input of a customer's document: the types the server accepts for proofs and documents. */
export function DocumentFileField(props: {
  label: string;
  error: string | undefined;
  onFile: (file: File | null) => void;
}) {
  return (
    <Field label={props.label} error={props.error}>
      {(id, dd) => (
        <input
          id={id}
          aria-describedby={dd}
          type="file"
          accept="application/pdf,image/jpeg,image/png"
          onChange={(e) => props.onFile(e.target.files?.[0] ?? null)}
        />
      )}
    </Field>
  );
}
