/**
 * BO records a proof on a move-in case (R7, R9, R10, R12): the document's kind, date, index and serial,
 * its file, or one of the documents handed in at the counter (R19). What will happen is the server's
 * answer (POST /api/cases/:id/proofs/check, the same decision as receiveProof), asked a moment after
 * the advisor stops typing: the console restates no rule and no figure.
 */
import { useEffect, useState } from "react";
import { ApiError, api } from "../api.ts";
import { FormError, useCommand } from "../command.tsx";
import { frDate, label, megabytes, PROOF_KIND, todayParis } from "../format.ts";
import type { CaseDocument, CaseView, CommandResult, ProofCheck } from "../types.ts";
import {
  CheckLine,
  CodeSelect,
  DateField,
  Field,
  fieldError,
  IndexField,
  TextField,
  useDraft,
  useGet,
} from "../ui.tsx";
import { DocumentFileField } from "./CaseDocuments.tsx";

/** The kinds of proof offered, the usual one first. */
const PROOF_KINDS = ["ENTRY_INVENTORY", "SALE_DEED", "NOTARY_CERTIFICATE", "METER_PHOTO"] as const;

type ProofKind = (typeof PROOF_KINDS)[number];

interface ProofDraft {
  kind: ProofKind;
  /** R19: a document attached at the counter ("" when a file is joined here instead). */
  document: string;
  date: string;
  index: string;
  meterSerial: string;
  prescriptionInvoked: boolean;
}

/** How long the advisor pauses typing before the console asks the server (ms). */
const CHECK_DELAY_MS = 300;

/** The fields of a proof as receiveProof and its check take them (a document brings its own kind). */
function proofFields(d: ProofDraft): Record<string, string | boolean> {
  const f: Record<string, string | boolean> = { prescriptionInvoked: d.prescriptionInvoked };
  if (d.document) f.document = d.document;
  else f.kind = d.kind;
  if (d.date) f.date = d.date;
  if (d.index.trim()) f.index = d.index.trim();
  if (d.meterSerial.trim()) f.meterSerial = d.meterSerial.trim();
  return f;
}

/** The server's answer for what is typed now (never an older one), asked after a pause. */
function useProofCheck(c: CaseView, d: ProofDraft, docKind: string | undefined) {
  const body = JSON.stringify(proofFields(d));
  // A date is needed, but for a meter photo (dated the day it was received when it has none).
  const ready = d.date !== "" || (docKind ?? d.kind) === "METER_PHOTO";
  const [answer, setAnswer] = useState<{ forBody: string; check?: ProofCheck; error?: ApiError }>();
  useEffect(() => {
    if (!ready) return;
    const ctrl = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const check = await api.post<ProofCheck>(
          `/api/cases/${encodeURIComponent(c.id)}/proofs/check`,
          JSON.parse(body),
          { signal: ctrl.signal },
        );
        setAnswer({ forBody: body, check });
      } catch (e) {
        if ((e as Error).name === "AbortError") return;
        setAnswer({ forBody: body, error: e as ApiError });
      }
    }, CHECK_DELAY_MS);
    return () => {
      ctrl.abort();
      clearTimeout(timer);
    };
  }, [body, ready, c.id]);
  const current = ready && answer?.forBody === body ? answer : undefined;
  return { ready, check: current?.check, error: current?.error };
}

export function ProofForm({
  c,
  onDone,
  onRefused,
}: {
  c: CaseView;
  onDone: (r: CommandResult) => void;
  onRefused: () => void;
}) {
  const [d, update, clear] = useDraft<ProofDraft>(`proof.${c.id}`, {
    kind: "ENTRY_INVENTORY",
    document: "",
    date: "",
    index: "",
    meterSerial: c.servicePoint.meterSerial ?? "",
    prescriptionInvoked: false,
  });
  const docs = useGet<{ items: CaseDocument[] }>(`/api/cases/${encodeURIComponent(c.id)}/documents`);
  const waiting = (docs.data?.items ?? []).filter((x) => x.proof === null);
  const doc = waiting.find((x) => x.id === d.document);
  // A document kept in the draft but processed since (or not listed yet) is not sent.
  const draft = { ...d, document: doc?.id ?? "" };
  const [file, setFile] = useState<File | null>(null);
  const { busy, error: err, submit, renewKey } = useCommand();
  const { ready, check, error: checkError } = useProofCheck(c, draft, doc?.kind);
  const kind = doc?.kind ?? d.kind;

  const send = (idempotencyKey: string): Promise<CommandResult> => {
    const fields = proofFields(draft);
    const path = `/api/cases/${encodeURIComponent(c.id)}/proofs`;
    if (!file || doc) return api.post<CommandResult>(path, fields, { idempotencyKey });
    const fd = new FormData();
    for (const [k, v] of Object.entries(fields)) fd.append(k, String(v));
    fd.append("file", file, file.name);
    return api.post<CommandResult>(path, fd, { idempotencyKey });
  };
  const onSubmit = submit(send, {
    onDone: (r) => {
      clear();
      renewKey();
      onDone(r);
    },
    onError: (ae) => {
      // The server kept the refused proof on file: new key for the next attempt, figures stay in the form.
      if (ae instanceof ApiError && ae.outcome === "PROOF_REFUSED") {
        renewKey();
        onRefused();
      }
    },
  });
  const shown = err ?? checkError;
  return (
    <form
      className="inline-form proof-form"
      onSubmit={onSubmit}
      aria-label="Saisie d'un justificatif"
      noValidate
    >
      <div className="cols">
        <div>
          {waiting.length > 0 && (
            <Field label="Document remis au guichet" error={fieldError(shown, "document")}>
              {(id, dd) => (
                <select
                  id={id}
                  aria-describedby={dd}
                  value={draft.document}
                  onChange={(e) => update({ document: e.target.value })}
                >
                  <option value="">Aucun : joindre un fichier ci-dessous</option>
                  {waiting.map((x) => (
                    <option key={x.id} value={x.id}>
                      {x.id} — {label(PROOF_KIND, x.kind)}, reçu le {frDate(x.receivedOn)}
                      {x.fileName ? ` (${x.fileName})` : ""}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <div className="grid2">
            {doc ? (
              <p className="small" data-testid="proof-document-kind">
                Type de document : <strong>{label(PROOF_KIND, doc.kind)}</strong>
              </p>
            ) : (
              <Field label="Type de document" error={fieldError(shown, "kind")}>
                {(id, dd) => (
                  <CodeSelect
                    id={id}
                    describedBy={dd}
                    labels={PROOF_KIND}
                    codes={PROOF_KINDS}
                    value={d.kind}
                    onChange={(kind) => update({ kind: kind as ProofKind })}
                  />
                )}
              </Field>
            )}
            <DateField
              label={kind === "METER_PHOTO" ? "Date de la photo" : "Date d'entrée sur le document"}
              error={fieldError(shown, "date")}
              max={todayParis()}
              value={d.date}
              onChange={(date) => update({ date })}
            />
            <IndexField
              label="Index sur le document (m3)"
              error={fieldError(shown, "index")}
              hint="Laisser vide si le document n'indique pas d'index."
              value={d.index}
              onChange={(index) => update({ index })}
            />
            <TextField
              label="Matricule du compteur sur le document"
              error={fieldError(shown, "meterSerial")}
              value={d.meterSerial}
              onChange={(meterSerial) => update({ meterSerial })}
              input={{ className: "mono" }}
            />
          </div>
          <CheckLine
            id="presc"
            label="Le client invoque la prescription (Code de la consommation, L218-2)"
            checked={d.prescriptionInvoked}
            onChange={(prescriptionInvoked) => update({ prescriptionInvoked })}
          />
          {doc ? (
            <p className="small muted">
              Le fichier est celui remis au guichet{doc.fileName ? ` (${doc.fileName})` : ""} : rien à
              joindre.
            </p>
          ) : (
            <DocumentFileField
              label={`Document (PDF, JPEG ou PNG, ${megabytes(c.uploadMaxBytes)} au plus)`}
              error={fieldError(shown, "file")}
              onFile={setFile}
            />
          )}
        </div>
        <div
          className={`preview outcome ${check?.tone ?? "info"}`}
          data-testid="proof-preview"
          data-path={check?.path}
          aria-live="polite"
        >
          <h3>Résultat prévu</h3>
          {!ready ? (
            <p>Saisissez la date figurant sur le document.</p>
          ) : check ? (
            check.lines.map((l) => <p key={l}>{l}</p>)
          ) : checkError ? (
            <p>{checkError.message}</p>
          ) : (
            <p className="muted">Vérification…</p>
          )}
          <p className="muted small">
            Réponse du serveur pour ce qui est saisi : il décide à la confirmation.
          </p>
        </div>
      </div>
      <FormError
        error={err}
        fields={["kind", "document", "date", "index", "meterSerial", "prescriptionInvoked", "file"]}
      />
      <div className="form-buttons">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Enregistrement…" : "Confirmer le justificatif"}
        </button>
      </div>
    </form>
  );
}
