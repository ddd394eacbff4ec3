/**
 * « Webhooks » (ADMIN; the server checks again): the endpoints that receive the event feed (SPEC §8) with
 * their delivery state — events waiting, failed attempts on the head event, next attempt, last status and
 * error —, their latest attempts (loaded when opened); register one (its secret shown once), disable or
 * enable one.
 */
import { useState } from "react";
import { api } from "../api.ts";
import { FormError, useCommand } from "../command.tsx";
import { frDate, frNum } from "../format.ts";
import { ActionsHeader } from "../rows.tsx";
import type { WebhookAttempt as Attempt, WebhookEndpoint as Endpoint } from "../types.ts";
import { AsyncList, Badge, CheckLine, fieldError, Section, TextField, useGet } from "../ui.tsx";

const OUTCOME: Record<string, string> = {
  DELIVERED: "reçu",
  FAILED: "échec",
  INTERRUPTED: "interrompu",
};

export function WebhooksPage() {
  const state = useGet<{ items: Endpoint[] }>("/api/webhooks");
  return (
    <div className="page">
      <div className="page-head">
        <h1>Webhooks</h1>
      </div>
      <p className="muted">
        Chaque décision (abonnement, résiliation, dossier, correction de relevé…) est envoyée, dans l'ordre, à
        chaque point de réception actif, signée selon Standard Webhooks. Un envoi refusé est réessayé, de plus
        en plus espacé, jusqu'à ce qu'il soit reçu.
      </p>
      <Section title="Points de réception">
        <AsyncList state={state} what="Chargement des points de réception" empty="Aucun point de réception.">
          {(page) => (
            <table className="grid webhooks">
              <thead>
                <tr>
                  <th>Point</th>
                  <th>Adresse</th>
                  <th>État</th>
                  <th>Envoyés jusqu'à</th>
                  <th>En attente</th>
                  <th>Dernier envoi</th>
                  <ActionsHeader />
                </tr>
              </thead>
              <tbody>
                {page.items.map((e) => (
                  <EndpointLine key={e.id} e={e} onChanged={state.reload} />
                ))}
              </tbody>
            </table>
          )}
        </AsyncList>
      </Section>
      <NewEndpoint onCreated={state.reload} />
    </div>
  );
}

function stateOf(e: Endpoint) {
  if (!e.active) return <Badge tone="muted">désactivé</Badge>;
  if (e.lastError)
    return (
      <Badge tone="bad">
        en échec ({e.attempts} essai{e.attempts > 1 ? "s" : ""})
      </Badge>
    );
  return <Badge tone="ok">à jour</Badge>;
}

function EndpointLine({ e, onChanged }: { e: Endpoint; onChanged: () => void }) {
  const [open, setOpen] = useState(false);
  const { busy, error, run } = useCommand();
  const toggle = () =>
    run(() => api.post(`/api/webhooks/${encodeURIComponent(e.id)}/${e.active ? "disable" : "enable"}`), {
      onDone: onChanged,
    });
  return (
    <>
      <tr className={e.active ? "" : "inactive"} data-webhook={e.id}>
        <td className="mono">{e.id}</td>
        <td>
          <span className="mono">{e.url}</span>
          {e.description && <div className="muted small">{e.description}</div>}
        </td>
        <td>
          {stateOf(e)}
          {e.lastError && (
            <div className="small" data-testid="last-error">
              {e.lastStatus ? `HTTP ${e.lastStatus} — ` : ""}
              {e.lastError}
              {e.nextAttemptAt && <> ; prochain essai le {frDate(e.nextAttemptAt)}</>}
            </div>
          )}
        </td>
        <td>événement {frNum(e.deliveredPosition)}</td>
        <td>{frNum(e.pending)}</td>
        <td>{frDate(e.lastAttemptAt)}</td>
        <td>
          <div className="row-actions">
            <button type="button" className="small" disabled={busy} onClick={toggle}>
              {e.active ? "Désactiver" : "Réactiver"}
            </button>
            <button type="button" className="small ghost" aria-expanded={open} onClick={() => setOpen(!open)}>
              {open ? "Masquer les envois" : "Voir les envois"}
            </button>
          </div>
          <FormError error={error} />
        </td>
      </tr>
      {open && (
        <tr className="inline-form">
          <td colSpan={7}>
            <Attempts id={e.id} />
          </td>
        </tr>
      )}
    </>
  );
}

function Attempts({ id }: { id: string }) {
  const state = useGet<{ items: Attempt[] }>(`/api/webhooks/${encodeURIComponent(id)}/attempts`);
  return (
    <AsyncList state={state} what="Chargement des envois" empty="Aucun envoi pour l'instant.">
      {(page) => (
        <table className="grid compact">
          <thead>
            <tr>
              <th>Début</th>
              <th>Événement</th>
              <th>Essai</th>
              <th>Résultat</th>
              <th>Erreur</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((a) => (
              <tr key={`${a.eventId}-${a.attempt}-${a.startedAt}`}>
                <td>{frDate(a.startedAt)}</td>
                <td className="mono">
                  {a.eventPosition} ({a.eventId})
                </td>
                <td>{a.attempt}</td>
                <td>
                  {a.outcome ? OUTCOME[a.outcome] : "en cours"}
                  {a.statusCode ? ` (HTTP ${a.statusCode})` : ""}
                </td>
                <td>{a.error ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </AsyncList>
  );
}

const NEW_ENDPOINT = { url: "", description: "", fromStart: false };

function NewEndpoint({ onCreated }: { onCreated: () => void }) {
  const [draft, setDraft] = useState(NEW_ENDPOINT);
  const [secret, setSecret] = useState<{ id: string; secret: string }>();
  const { busy, error, submit } = useCommand();
  const onSubmit = submit(
    () => {
      setSecret(undefined);
      return api.post<{ endpoint: Endpoint; secret: string }>("/api/webhooks", {
        url: draft.url.trim(),
        description: draft.description.trim() || null,
        fromStart: draft.fromStart,
      });
    },
    {
      onDone: (r) => {
        setSecret({ id: r.endpoint.id, secret: r.secret });
        setDraft(NEW_ENDPOINT);
        onCreated();
      },
    },
  );
  return (
    <Section title="Nouveau point de réception">
      <form onSubmit={onSubmit} noValidate aria-label="Nouveau point de réception">
        {secret && (
          <div className="banner ok" role="status" data-testid="webhook-secret">
            Point {secret.id} enregistré. Son secret de signature, affiché cette seule fois :{" "}
            <code>{secret.secret}</code>
          </div>
        )}
        <div className="row">
          <TextField
            label="Adresse (URL)"
            hint="https://… : le système de facturation y reçoit les événements."
            error={fieldError(error, "url")}
            value={draft.url}
            onChange={(url) => setDraft((d) => ({ ...d, url }))}
            input={{ type: "url", autoComplete: "off", spellCheck: false }}
          />
          <TextField
            label="Description"
            error={fieldError(error, "description")}
            value={draft.description}
            onChange={(description) => setDraft((d) => ({ ...d, description }))}
          />
        </div>
        <CheckLine
          id="webhook-from-start"
          label="Envoyer aussi les événements déjà produits (depuis le premier)"
          checked={draft.fromStart}
          onChange={(fromStart) => setDraft((d) => ({ ...d, fromStart }))}
        />
        <div className="row-buttons">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Enregistrement…" : "Enregistrer"}
          </button>
        </div>
        <FormError error={error} fields={["url", "description"]} />
      </form>
    </Section>
  );
}
