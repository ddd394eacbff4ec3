/** The outbox: every email and letter with its delivery status; a failed one can be retried. */
import { useState } from "react";
import { api, newIdempotencyKey, qs } from "../api.ts";
import { FormError, useCommand } from "../command.tsx";
import { CaseLink, MessageStatusBadge } from "../entities.tsx";
import { CHANNEL, frDate, label, MSG_STATUS, TEMPLATE } from "../format.ts";
import { useMe } from "../session.ts";
import type { Message, Page } from "../types.ts";
import { AsyncList, AsyncView, Empty, FilterSelect, Section, ShownOf, useGet } from "../ui.tsx";

function selectedFromHash(): string | null {
  const m = /[?&]id=([^&]*)/.exec(window.location.hash);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

export function OutboxPage() {
  const [status, setStatus] = useState("");
  const [template, setTemplate] = useState("");
  const [selected, setSelected] = useState<string | null>(selectedFromHash);
  const state = useGet<Page<Message>>(`/api/outbox${qs({ status, template, limit: 200 })}`);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Courriers et courriels</h1>
        <div className="filters">
          <FilterSelect
            id="filter-status"
            label="Statut"
            labels={MSG_STATUS}
            all="tous"
            value={status}
            onChange={setStatus}
          />
          <FilterSelect
            id="filter-template"
            label="Modèle"
            labels={TEMPLATE}
            all="tous"
            value={template}
            onChange={setTemplate}
          />
        </div>
      </div>
      <AsyncList state={state} what="Chargement des messages" empty="Aucun message.">
        {(page) => (
          <div className="cols wide-left outbox">
            <Section title={`${page.total} message${page.total > 1 ? "s" : ""}`}>
              <ShownOf
                page={page}
                rest="les plus récents ; filtrez par statut ou par modèle pour voir les autres."
              />
              <table className="grid selectable">
                <thead>
                  <tr>
                    <th>Créé le</th>
                    <th>Modèle</th>
                    <th>Canal</th>
                    <th>Destinataire</th>
                    <th>Dossier</th>
                    <th>Statut</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((m) => (
                    <tr key={m.id} className={selected === m.id ? "selected" : ""}>
                      <td>{frDate(m.createdAt)}</td>
                      <td>
                        <button
                          type="button"
                          className="link"
                          onClick={() => setSelected(m.id)}
                          aria-pressed={selected === m.id}
                        >
                          {label(TEMPLATE, m.template)}
                        </button>
                      </td>
                      <td>{label(CHANNEL, m.channel)}</td>
                      <td>
                        {m.recipient} <span className="muted small block">{m.to}</span>
                      </td>
                      <td>{m.case ? <CaseLink id={m.case} /> : "—"}</td>
                      <td>
                        <MessageStatusBadge status={m.status} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Section>
            <MessagePanel m={page.items.find((x) => x.id === selected) ?? null} onChanged={state.reload} />
          </div>
        )}
      </AsyncList>
    </div>
  );
}

function MessagePanel({ m, onChanged }: { m: Message | null; onChanged: () => void }) {
  const me = useMe();
  const { error, run } = useCommand();
  if (!m) {
    return (
      <Section title="Aperçu">
        <Empty>Choisissez un message pour le voir.</Empty>
      </Section>
    );
  }
  // Each click is a new attempt, with its own key.
  const retry = () =>
    run(
      () =>
        api.post(
          `/api/outbox/${encodeURIComponent(m.id)}/retry`,
          {},
          { idempotencyKey: newIdempotencyKey() },
        ),
      {
        onDone: onChanged,
      },
    );
  return (
    <Section title={`${label(CHANNEL, m.channel)} — ${label(TEMPLATE, m.template)}`}>
      <dl className="facts">
        <div>
          <dt>À</dt>
          <dd>
            {m.recipient} &lt;{m.to}&gt;
          </dd>
        </div>
        <div>
          <dt>Statut</dt>
          <dd>
            {label(MSG_STATUS, m.status)}
            {m.sentAt ? ` le ${frDate(m.sentAt)}` : ""} · {m.attempts} tentative{m.attempts > 1 ? "s" : ""}
          </dd>
        </div>
        {m.lastError && (
          <div>
            <dt>Dernière erreur</dt>
            <dd className="bad-text">{m.lastError}</dd>
          </div>
        )}
      </dl>
      {m.status === "FAILED" && me.permissions.outboxRetry && (
        <button type="button" onClick={retry}>
          Relancer l'envoi
        </button>
      )}
      <FormError error={error} />
      <Preview m={m} />
    </Section>
  );
}

interface EmailPreview {
  kind: "EMAIL";
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** The message as the customer receives it: the email's HTML part (sandboxed), or the PDF letter. */
function Preview({ m }: { m: Message }) {
  const url = `/api/outbox/${encodeURIComponent(m.id)}/preview`;
  if (m.channel === "LETTER") {
    return (
      <div className="preview">
        <iframe title={`Courrier ${m.id}`} src={url} className="preview-frame" />
        <a href={url} target="_blank" rel="noreferrer">
          Ouvrir le PDF
        </a>
      </div>
    );
  }
  return <EmailPreviewView url={url} />;
}

function EmailPreviewView({ url }: { url: string }) {
  const state = useGet<EmailPreview>(url);
  return (
    <AsyncView state={state} what="Chargement de l'aperçu">
      {(e) => (
        <div className="preview">
          <p>
            <strong>Objet :</strong> {e.subject}
          </p>
          <iframe title={`Courriel : ${e.subject}`} sandbox="" srcDoc={e.html} className="preview-frame" />
        </div>
      )}
    </AsyncView>
  );
}
