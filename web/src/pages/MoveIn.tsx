/**
 * The move-in form (R1–R5). The predecessor's termination is shown before anything is typed;
 * the gap is computed as the advisor types; the server's check says which path applies and
 * what the customer must be told, and the advisor confirms only after that.
 */
import { type FormEvent, useEffect, useRef, useState } from "react";
import { type ApiError, api } from "../api.ts";
import { FormError, useCommand } from "../command.tsx";
import { CaseLink, ServicePointLink, servicePointPath } from "../entities.tsx";
import {
  CASE_TYPE,
  CHANNEL,
  frDate,
  label,
  m3,
  OUTCOME,
  signedM3,
  TASK_KIND,
  TEMPLATE,
  todayParis,
} from "../format.ts";
import { SuspectIndex } from "../plausibility.tsx";
import { useMay } from "../session.ts";
import type { CaseView, CommandResult, MoveInCheck, MoveInPath, ServicePointView } from "../types.ts";
import {
  AsyncView,
  Badge,
  CheckLine,
  DateField,
  Facts,
  fieldError,
  IndexField,
  Link,
  Section,
  TextField,
  useAsync,
  useDraft,
  useGet,
} from "../ui.tsx";

/** Each path the server's check can answer, in the advisor's words: what happens now, and what happens next. */
export const PATH_LABEL: Record<
  MoveInPath,
  { title: string; tone: "ok" | "warn" | "info"; what: string; next: string }
> = {
  SUBSCRIBE_DECLARED: {
    title: "Abonnement immédiat",
    tone: "ok",
    what: "Écart dans la tolérance : l'abonnement est mis en place à la date et à l'index déclarés.",
    next: "L'abonnement est en place. Avec une remise en eau, le dossier reste ouvert jusqu'au compte rendu du technicien.",
  },
  SUBSCRIBE_PREDECESSOR: {
    title: "Abonnement à l'index du prédécesseur",
    tone: "info",
    what: "Le client n'a pas de justificatif : abonnement à la date et à l'index de résiliation de l'ancien occupant, confirmation écrite envoyée.",
    next: "L'abonnement est en place et la confirmation écrite part au client : rien d'autre à faire.",
  },
  CASE_AWAIT_PROOF: {
    title: "Dossier — attente de justificatif",
    tone: "warn",
    what: "Écart au-delà de la tolérance : pas d'abonnement. Le client est enregistré comme prospect, un dossier est ouvert et un justificatif d'entrée lui est demandé, avec une échéance.",
    next: "À réception du justificatif, le back office met en place l'abonnement à la date et à l'index du document. Sans justificatif à l'échéance, l'abonnement est mis en place automatiquement avec l'index et la date de résiliation de l'ancien occupant, et le client en est informé par écrit.",
  },
  CASE_AWAIT_VISIT: {
    title: "Dossier avec remise en eau — index au passage du technicien",
    tone: "info",
    what: "Sans index déclaré : le client est enregistré comme prospect ; l'abonnement se fera avec le relevé de l'intervention.",
    next: "Le technicien relève l'index à la remise en eau et le back office saisit son compte rendu : l'abonnement est mis en place avec ce relevé s'il est dans la tolérance ; sinon un justificatif est demandé au client.",
  },
  CASE_NO_PROOF_BO: {
    title: "Dossier avec remise en eau — sans justificatif",
    tone: "warn",
    what: "Écart au-delà de la tolérance, le client n'a pas de justificatif : le back office mettra en place l'abonnement avec l'index et la date de résiliation du prédécesseur.",
    next: "Le back office met en place l'abonnement avec l'index et la date de résiliation de l'ancien occupant ; le client reçoit une confirmation écrite.",
  },
};

interface Draft {
  name: string;
  email: string;
  phone: string;
  address: string;
  date: string;
  index: string;
  reconnection: boolean;
  proof: "WILL_SEND" | "NONE";
}

const FIELDS = [
  "customer.name",
  "customer.email",
  "customer.phone",
  "customer.address",
  "date",
  "index",
  "reconnection",
  "proof",
  "servicePoint",
];

export function MoveInPage({ servicePointId }: { servicePointId: string }) {
  const state = useGet<ServicePointView>(`/api/service-points/${encodeURIComponent(servicePointId)}`);
  const may = useMay("moveIn");
  return (
    <div className="page">
      <p className="crumb">
        <Link to="/">Recherche</Link> › <ServicePointLink id={servicePointId} /> › Arrivée
      </p>
      <h1>Demande d'arrivée</h1>
      {!may ? (
        <div className="banner error">Votre profil ne permet pas d'enregistrer une arrivée.</div>
      ) : (
        <AsyncView state={state} what="Chargement du point de desserte">
          {(sp) => <MoveInForm key={sp.id} sp={sp} />}
        </AsyncView>
      )}
    </div>
  );
}

function MoveInForm({ sp }: { sp: ServicePointView }) {
  const [draft, update, clear] = useDraft<Draft>(`movein.${sp.id}`, {
    name: "",
    email: "",
    phone: "",
    address: sp.address,
    date: todayParis(),
    index: "",
    reconnection: false,
    proof: "WILL_SEND",
  });
  const [check, setCheck] = useState<{ forBody: string; result: MoveInCheck }>();
  const [checkError, setCheckError] = useState<ApiError>();
  const [checking, setChecking] = useState(false);
  const { busy, error: submitError, run, renewKey } = useCommand();
  // The advisor confirms having read the message of this very path to the customer.
  const [toldFor, setToldFor] = useState<string | null>(null);
  // The advisor confirms an index the server finds implausible: for this very index.
  const [indexConfirmedFor, setIndexConfirmedFor] = useState<number | null>(null);
  const [done, setDone] = useState<{ r: CommandResult; check: MoveInCheck }>();
  const previewRef = useRef<HTMLDivElement>(null);

  const t = sp.termination;
  const termReading = t
    ? sp.readings.find((r) => r.date === t.date && r.index === t.index && r.type === "MOVE_OUT")
    : undefined;
  const termSuspect = termReading?.status === "SUSPECT";
  const occupied = sp.subscriptions.find((s) => s.end === null);

  const body = {
    servicePoint: sp.id,
    customer: {
      name: draft.name.trim(),
      email: draft.email.trim() || null,
      phone: draft.phone.trim() || null,
      address: draft.address.trim() || null,
    },
    date: draft.date,
    index: draft.index.trim() === "" ? null : draft.index.trim(),
    reconnection: draft.reconnection,
    proof: draft.proof,
  };
  const bodyKey = JSON.stringify(body);
  const ready =
    draft.name.trim() !== "" && draft.date !== "" && (draft.index.trim() !== "" || draft.reconnection);
  const current = check && check.forBody === bodyKey ? check.result : undefined;
  const mustTell = current ? current.path !== "SUBSCRIBE_DECLARED" : false;
  const told = current !== undefined && toldFor === `${current.path}|${current.tellCustomer.join("|")}`;
  // The gap, the tolerance and the index's plausibility are the server's answer for what is typed now, never
  // an older answer nor a judgement of the console's own.
  const gap = current?.gap ?? null;
  const suspect = current?.declaredPlausibility?.status === "SUSPECT" ? current.declaredPlausibility : null;
  const declaredIndex = current?.declared.index ?? null;
  const indexConfirmed = suspect === null || (declaredIndex !== null && indexConfirmedFor === declaredIndex);

  // Ask the server which path applies, a moment after the advisor stops typing.
  useEffect(() => {
    if (!ready) {
      setCheckError(undefined);
      return;
    }
    const ctrl = new AbortController();
    const timer = setTimeout(async () => {
      setChecking(true);
      try {
        const result = await api.post<MoveInCheck>("/api/move-ins/check", JSON.parse(bodyKey), {
          signal: ctrl.signal,
        });
        setCheck({ forBody: bodyKey, result });
        setCheckError(undefined);
      } catch (e) {
        if ((e as Error).name === "AbortError") return;
        setCheckError(e as ApiError);
      } finally {
        if (!ctrl.signal.aborted) setChecking(false);
      }
    }, 300);
    return () => {
      ctrl.abort();
      clearTimeout(timer);
    };
  }, [bodyKey, ready]);

  const confirm = (e: FormEvent) => {
    e.preventDefault();
    if (!current) {
      previewRef.current?.focus();
      return;
    }
    if (!indexConfirmed) {
      document.getElementById("index-confirmed")?.focus();
      return;
    }
    if (mustTell && !told) {
      document.getElementById("told")?.focus();
      return;
    }
    const checked = current;
    // On a refusal what was typed stays in the form (and in the session draft); the error sits by its field.
    void run((idempotencyKey) => api.post<CommandResult>("/api/move-ins", body, { idempotencyKey }), {
      onDone: (r) => {
        setDone({ r, check: checked });
        clear();
        renewKey();
      },
    });
  };

  if (done) return <MoveInDone r={done.r} check={done.check} sp={sp} />;

  const err = submitError ?? checkError;
  const fe = (...names: string[]) => fieldError(err, ...names);

  return (
    <div className="cols wide-left">
      <form className="form-card" onSubmit={confirm} noValidate aria-labelledby="movein-title">
        <h2 id="movein-title">Nouvel occupant — {sp.address}</h2>
        <fieldset>
          <legend>Client</legend>
          <div className="grid2">
            <TextField
              label="Nom et prénom"
              error={fe("customer.name", "name")}
              value={draft.name}
              onChange={(name) => update({ name })}
              input={{ autoComplete: "off" }}
              autoFocus
            />
            <TextField
              label="Courriel"
              error={fe("customer.email", "email")}
              hint="Sans courriel, les courriers partent par la poste."
              value={draft.email}
              onChange={(email) => update({ email })}
              input={{ type: "email", autoComplete: "off" }}
            />
            <TextField
              label="Téléphone"
              error={fe("customer.phone", "phone")}
              value={draft.phone}
              onChange={(phone) => update({ phone })}
              input={{ type: "tel", autoComplete: "off" }}
            />
            <TextField
              label="Adresse postale"
              error={fe("customer.address", "address")}
              value={draft.address}
              onChange={(address) => update({ address })}
              input={{ autoComplete: "off" }}
            />
          </div>
        </fieldset>
        <fieldset>
          <legend>Arrivée</legend>
          <CheckLine
            id="reconnection"
            label="Remise en eau nécessaire (l'eau est coupée)"
            checked={draft.reconnection}
            onChange={(reconnection) => update({ reconnection })}
          />
          <div className="grid2">
            <DateField
              label="Date d'entrée dans les lieux"
              error={fe("date")}
              value={draft.date}
              max={todayParis()}
              onChange={(date) => update({ date })}
            />
            <IndexField
              label={draft.reconnection ? "Index déclaré (m3, facultatif)" : "Index déclaré (m3)"}
              error={fe("index")}
              hint={
                gap && current ? (
                  <span className={gap.withinTolerance ? "ok-text" : "bad-text"} data-testid="gap">
                    Écart avec l'index de résiliation : <strong>{signedM3(gap.value)}</strong>
                    {gap.withinTolerance
                      ? ` — dans la tolérance (${m3(current.toleranceM3)})`
                      : ` — au-delà de la tolérance de ${m3(current.toleranceM3)}`}
                  </span>
                ) : draft.index.trim() !== "" && !fe("index") ? (
                  <span className="muted">Écart : vérification…</span>
                ) : (
                  "Index lu par le client sur le compteur, en m3 entiers."
                )
              }
              value={draft.index}
              onChange={(index) => update({ index })}
            />
          </div>
          <div className="radios" role="radiogroup" aria-label="Justificatif d'entrée">
            <span className="radios-label">Justificatif d'entrée (acte de vente, état des lieux)</span>
            <label>
              <input
                type="radio"
                name="proof"
                checked={draft.proof === "WILL_SEND"}
                onChange={() => update({ proof: "WILL_SEND" })}
              />{" "}
              Le client en a un ou l'enverra
            </label>
            <label>
              <input
                type="radio"
                name="proof"
                checked={draft.proof === "NONE"}
                onChange={() => update({ proof: "NONE" })}
              />{" "}
              Le client n'a pas de justificatif
            </label>
          </div>
        </fieldset>
        {suspect && declaredIndex !== null && (
          <SuspectIndex
            id="index-confirmed"
            index={declaredIndex}
            verdict={suspect}
            confirmLabel="Le client confirme"
            confirmed={indexConfirmed}
            onConfirm={(ok) => setIndexConfirmedFor(ok ? declaredIndex : null)}
            onUseSuggested={(i) => update({ index: String(i) })}
          />
        )}
        <FormError error={err} fields={FIELDS} />
        {mustTell && (
          <CheckLine
            id="told"
            label="J'ai lu au client le message ci-contre"
            checked={told}
            onChange={(checked) =>
              setToldFor(checked && current ? `${current.path}|${current.tellCustomer.join("|")}` : null)
            }
            must
          />
        )}
        <div className="form-buttons">
          <button
            type="submit"
            className="primary"
            disabled={busy || !current || !indexConfirmed || (mustTell && !told)}
          >
            {busy
              ? "Enregistrement…"
              : current?.subscribesNow
                ? "Confirmer et abonner"
                : "Confirmer et ouvrir le dossier"}
          </button>
          <Link to={servicePointPath(sp.id)} className="button ghost">
            Annuler
          </Link>
          {checking && <span className="muted small">vérification…</span>}
        </div>
      </form>
      <div className="side">
        <Section title="Ancien occupant">
          {t ? (
            <Facts
              items={[
                [
                  "Date de résiliation",
                  <strong key="d" data-testid="termination-date">
                    {frDate(t.date)}
                  </strong>,
                ],
                [
                  "Index de résiliation",
                  <strong key="i" data-testid="termination-index">
                    {m3(t.index)}
                  </strong>,
                ],
                [
                  "Référence",
                  t.source === "SUBSCRIPTION"
                    ? `contrat ${t.subscription ?? ""} (${sp.subscriptions.find((s) => s.id === t.subscription)?.party.name ?? ""})`
                    : "dernier relevé valide (aucun prédécesseur)",
                ],
                [
                  "Compteur",
                  <span key="m" className="mono">
                    {sp.meter?.serial ?? "—"}
                  </span>,
                ],
              ]}
            />
          ) : (
            <p className="muted">Aucun index de référence sur ce point de desserte.</p>
          )}
          {termSuspect && (
            <div className="banner warn" role="alert">
              Attention : l'index de résiliation est suspect dans l'historique des relevés ; à vérifier.
            </div>
          )}
          {occupied && (
            <div className="banner error">
              Le contrat de {occupied.party.name} ({occupied.id}) n'est pas résilié : enregistrez d'abord son
              départ.
            </div>
          )}
        </Section>
        <div ref={previewRef} tabIndex={-1} className="preview-anchor" aria-live="polite">
          <Section title="Ce qui va se passer">
            {!ready ? (
              <p className="muted">
                Saisissez le nom, la date et l'index (ou cochez la remise en eau) : le parcours s'affiche ici
                avant confirmation.
              </p>
            ) : current ? (
              <MoveInPreview c={current} />
            ) : checkError ? (
              <p className="muted">Corrigez la saisie pour voir le parcours.</p>
            ) : (
              <p className="muted">Vérification…</p>
            )}
          </Section>
        </div>
      </div>
    </div>
  );
}

function MoveInPreview({ c }: { c: MoveInCheck }) {
  const p = PATH_LABEL[c.path];
  return (
    <div className="preview" data-testid="movein-path" data-path={c.path}>
      <div className="path-title">
        <Badge tone={p.tone}>{p.title}</Badge>
      </div>
      <p>{p.what}</p>
      {c.gap && (
        <p>
          Écart : <strong>{signedM3(c.gap.value)}</strong> (tolérance {m3(c.toleranceM3)})
          {c.gap.direction === "BELOW" &&
            " — l'index déclaré est inférieur à l'index de résiliation (peut-être estimé)."}
        </p>
      )}
      {c.opensCase && (
        <p>
          Dossier ouvert :{" "}
          {c.opensCase === "ARR_INTERVENTION"
            ? "ARR avec intervention (remise en eau)"
            : "ARR Cas Particuliers"}
          .
        </p>
      )}
      {c.proofDueDate && (
        <p>
          Justificatif attendu avant le <strong>{frDate(c.proofDueDate)}</strong>.
        </p>
      )}
      {c.duplicateOf && (
        <p className="banner info">
          Demande déjà enregistrée pour ce client ({c.duplicateOf.case ?? c.duplicateOf.subscription}) : la
          confirmation renverra le même résultat.
        </p>
      )}
      {c.warnings.includes("TERMINATION_INDEX_SUSPECT") && (
        <p className="banner warn">L'index de résiliation est suspect : à vérifier.</p>
      )}
      <div className="tell" data-testid="tell-customer">
        <h3>À dire au client</h3>
        {c.tellCustomer.map((line) => (
          <p key={line}>« {line} »</p>
        ))}
      </div>
    </div>
  );
}

/** What was done, and what comes next: the deadline, the message sent and by which channel (read back from the case). */
function MoveInDone({ r, check, sp }: { r: CommandResult; check: MoveInCheck; sp: ServicePointView }) {
  const caseId = r.case;
  const c = useAsync<CaseView | null>(
    (signal) =>
      caseId
        ? api.get<CaseView>(`/api/cases/${encodeURIComponent(caseId)}`, { signal })
        : Promise.resolve(null),
    [caseId],
  );
  const path = PATH_LABEL[check.path];
  return (
    <div className="form-card done" role="status" data-testid="movein-done">
      <h2>
        {label(OUTCOME, r.outcome)}
        {r.case && (
          <>
            {" "}
            — dossier <CaseLink id={r.case} />
          </>
        )}
      </h2>
      {r.duplicate && (
        <p className="muted">Cette arrivée était déjà enregistrée : voici le premier résultat.</p>
      )}
      {r.subscription && (
        <p>
          Abonnement {r.subscription} au {frDate(check.declared.date)}
          {check.path === "SUBSCRIBE_DECLARED" && check.declared.index !== null
            ? `, index ${m3(check.declared.index)}`
            : check.termination
              ? `, index de résiliation de l'ancien occupant (${m3(check.termination.index)} au ${frDate(check.termination.date)})`
              : ""}
          .
        </p>
      )}
      {r.case && (
        <AsyncView state={c} what="Chargement du dossier">
          {(cv) => (cv ? <CaseNext c={cv} /> : null)}
        </AsyncView>
      )}
      <div className="next" data-testid="movein-next">
        <h3>Et ensuite</h3>
        <p>{path.next}</p>
      </div>
      <p>
        <Link to={servicePointPath(sp.id)} className="button">
          Retour au point de desserte
        </Link>
      </p>
    </div>
  );
}

/** The case just opened: its type, its deadline and the messages it sent, with their channel. */
function CaseNext({ c }: { c: CaseView }) {
  const task = c.tasks.find((t) => t.status === "OPEN");
  const byEmail = c.party?.email;
  return (
    <Facts
      items={[
        ["Dossier", `${c.id} — ${label(CASE_TYPE, c.type)}`],
        [
          "Échéance",
          task ? (
            <span key="t" data-testid="movein-deadline">
              <strong>{frDate(task.due)}</strong> — {label(TASK_KIND, task.kind).toLowerCase()}
            </span>
          ) : (
            "aucune"
          ),
        ],
        [
          "Envoyé au client",
          c.communications.length === 0 ? (
            "rien"
          ) : (
            <span key="m" data-testid="movein-message">
              {c.communications
                .map(
                  (m) =>
                    `${label(TEMPLATE, m.template)} par ${label(CHANNEL, m.channel).toLowerCase()} ${
                      m.channel === "EMAIL"
                        ? `à ${byEmail ?? "l'adresse électronique du client"}`
                        : `à ${c.party?.address ?? c.servicePoint.address}`
                    }`,
                )
                .join(" ; ")}
            </span>
          ),
        ],
      ]}
    />
  );
}
