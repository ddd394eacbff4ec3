/**
 * « Comptes » (ADMIN; the server checks again): the accounts with their role, entity and state; create one;
 * per account disable (after an inline confirmation) / enable (never one's own), reset its password, issue an
 * API token shown once, list its tokens (loaded when opened) and revoke one (after an inline confirmation).
 */
import { type FormEvent, type ReactNode, useId, useState } from "react";
import { type ApiError, api } from "../api.ts";
import { FormError, SaveOrCancel, useCommand } from "../command.tsx";
import { frDate, label, ROLE_LABEL } from "../format.ts";
import { ActionsHeader, InlineFormRow, type RowFormProps, useRowForm } from "../rows.tsx";
import { useMe } from "../session.ts";
import type { AccountRow, ApiToken as TokenRow } from "../types.ts";
import {
  AsyncList,
  Badge,
  ConfirmStep,
  Field,
  fieldError,
  focusOnMount,
  Section,
  TextField,
  useGet,
} from "../ui.tsx";
import { assertPasswordLength, PASSWORD_HINT } from "./MyPassword.tsx";

const accountPath = (username: string) => `/api/accounts/${encodeURIComponent(username)}`;

/** A password an administrator types for someone else: shown as typed, to be passed on to its holder. */
const GIVEN_PASSWORD = { autoComplete: "off", spellCheck: false } as const;

export function AccountsPage() {
  const state = useGet<{ items: AccountRow[] }>("/api/accounts");
  return (
    <div className="page">
      <div className="page-head">
        <h1>Comptes</h1>
      </div>
      <Section title="Comptes de la console et de l'API">
        <AsyncList state={state} what="Chargement des comptes" empty="Aucun compte.">
          {(page) => <AccountTable accounts={page.items} onChanged={state.reload} />}
        </AsyncList>
      </Section>
      <NewAccount
        onCreated={state.reload}
        entities={[...new Set((state.data?.items ?? []).map((a) => a.entity))].sort()}
      />
    </div>
  );
}

type RowMode = "password" | "token" | "tokens" | "disable";

function AccountTable({ accounts, onChanged }: { accounts: AccountRow[]; onChanged: () => void }) {
  const rows = useRowForm<RowMode>(onChanged);
  return (
    <table className="grid accounts">
      <thead>
        <tr>
          <th>Identifiant</th>
          <th>Rôle</th>
          <th>Entité</th>
          <th>État</th>
          <th>Créé le</th>
          <ActionsHeader />
        </tr>
      </thead>
      <tbody>
        {accounts.map((a) => {
          const mode = rows.modeOf(a.username);
          return (
            <AccountLine
              key={a.username}
              a={a}
              onToggle={(m) => rows.toggle(a.username, m)}
              onChanged={onChanged}
              form={
                mode ? <AccountAction a={a} mode={mode} onDone={rows.done} onCancel={rows.close} /> : null
              }
            />
          );
        })}
      </tbody>
    </table>
  );
}

function AccountLine(props: {
  a: AccountRow;
  onToggle: (mode: RowMode) => void;
  onChanged: () => void;
  form: ReactNode;
}) {
  const { a } = props;
  const me = useMe();
  const self = a.username === me.username;
  const { busy, error, run } = useCommand();
  // Disabling asks first (its own inline form); enabling again is harmless and done at once.
  const enable = () => run(() => api.post(`${accountPath(a.username)}/enable`), { onDone: props.onChanged });
  return (
    <>
      <tr className={a.active ? "" : "inactive"} data-account={a.username}>
        <td className="mono">
          {a.username}
          {self && <span className="muted small"> (vous)</span>}
        </td>
        <td>{label(ROLE_LABEL, a.role)}</td>
        <td>{a.entity}</td>
        <td>{a.active ? <Badge tone="ok">actif</Badge> : <Badge tone="bad">désactivé</Badge>}</td>
        <td>{frDate(a.createdAt)}</td>
        <td>
          <div className="row-actions">
            {!self &&
              (a.active ? (
                <button type="button" className="small" onClick={() => props.onToggle("disable")}>
                  Désactiver
                </button>
              ) : (
                <button type="button" className="small" disabled={busy} onClick={enable}>
                  Réactiver
                </button>
              ))}
            <button type="button" className="small ghost" onClick={() => props.onToggle("password")}>
              Réinitialiser le mot de passe
            </button>
            <button type="button" className="small ghost" onClick={() => props.onToggle("token")}>
              Jeton d'API
            </button>
            <button type="button" className="small ghost" onClick={() => props.onToggle("tokens")}>
              Voir les jetons
            </button>
          </div>
          <FormError error={error} />
        </td>
      </tr>
      <InlineFormRow colSpan={6}>{props.form}</InlineFormRow>
    </>
  );
}

function AccountAction(props: RowFormProps<RowMode> & { a: AccountRow }) {
  switch (props.mode) {
    case "password":
      return <ResetPassword {...props} />;
    case "token":
      return <NewToken {...props} />;
    case "tokens":
      return <Tokens {...props} />;
    case "disable":
      return <ConfirmDisable {...props} />;
  }
}

/**
 * An irreversible or disruptive action asked once more, in place (`ConfirmStep`, as on the case and
 * service point pages): the question, the action's own button and « Annuler »; the server's refusal below.
 */
function InlineConfirm(props: {
  question: ReactNode;
  confirm: string;
  busy: boolean;
  error: ApiError | undefined;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <div className="inline-form">
      <ConfirmStep
        testId="confirm"
        label={props.confirm}
        disabled={props.busy}
        onConfirm={props.onConfirm}
        onBack={props.onCancel}
      >
        {props.question}
      </ConfirmStep>
      <FormError error={props.error} />
    </div>
  );
}

function ConfirmDisable(props: RowFormProps<RowMode> & { a: AccountRow }) {
  const { busy, error, run } = useCommand();
  return (
    <InlineConfirm
      question={`Désactiver le compte ${props.a.username} ? Ses sessions seront fermées et ses jetons refusés.`}
      confirm="Désactiver"
      busy={busy}
      error={error}
      onConfirm={() =>
        run(() => api.post(`${accountPath(props.a.username)}/disable`), { onDone: props.onDone })
      }
      onCancel={props.onCancel}
    />
  );
}

/** The account's API tokens, loaded when opened (never on page load): when each was created, revoked or not. */
function Tokens(props: RowFormProps<RowMode> & { a: AccountRow }) {
  const state = useGet<{ items: TokenRow[] }>(`${accountPath(props.a.username)}/tokens`);
  return (
    <div className="inline-form" data-testid="tokens">
      <AsyncList
        state={state}
        what="Chargement des jetons"
        empty={`Aucun jeton d'API pour ${props.a.username}.`}
      >
        {(page) => (
          <table className="grid tokens" aria-label={`Jetons d'API de ${props.a.username}`}>
            <thead>
              <tr>
                <th>Libellé</th>
                <th>Créé le</th>
                <th>État</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((t) => (
                <TokenLine key={t.id} a={props.a} t={t} onRevoked={state.reload} />
              ))}
            </tbody>
          </table>
        )}
      </AsyncList>
      <button type="button" className="link" onClick={props.onCancel}>
        Fermer
      </button>
    </div>
  );
}

function TokenLine(props: { a: AccountRow; t: TokenRow; onRevoked: () => void }) {
  const { t } = props;
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useCommand();
  const revoke = () =>
    run(() => api.post(`${accountPath(props.a.username)}/tokens/${t.id}/revoke`), {
      onDone: () => {
        setConfirming(false);
        props.onRevoked();
      },
    });
  return (
    <>
      <tr className={t.revokedAt ? "inactive" : ""} data-token={t.label}>
        <td>{t.label}</td>
        <td>{frDate(t.createdAt)}</td>
        <td>
          {t.revokedAt ? (
            <Badge tone="bad">révoqué le {frDate(t.revokedAt)}</Badge>
          ) : (
            <div className="row-actions">
              <Badge tone="ok">valide</Badge>
              <button
                type="button"
                className="small"
                disabled={confirming}
                onClick={() => setConfirming(true)}
              >
                Révoquer
              </button>
            </div>
          )}
        </td>
      </tr>
      <InlineFormRow colSpan={3}>
        {confirming && !t.revokedAt && (
          <InlineConfirm
            question={`Révoquer le jeton « ${t.label} » ? Les programmes qui l'utilisent seront refusés immédiatement.`}
            confirm="Révoquer"
            busy={busy}
            error={error}
            onConfirm={revoke}
            onCancel={() => setConfirming(false)}
          />
        )}
      </InlineFormRow>
    </>
  );
}

function ResetPassword(props: RowFormProps<RowMode> & { a: AccountRow }) {
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useCommand();
  const onSubmit = submit(
    async () => {
      assertPasswordLength(password, "password");
      await api.post(`${accountPath(props.a.username)}/password`, { password });
    },
    { onDone: () => setDone(true) },
  );
  if (done) {
    // Nothing the table shows has changed: closing is enough.
    return (
      <div className="banner ok" role="status">
        Mot de passe de {props.a.username} réinitialisé : ses sessions ouvertes sont fermées.
        <button type="button" className="link" onClick={props.onCancel}>
          Fermer
        </button>
      </div>
    );
  }
  return (
    <form
      className="inline-form"
      onSubmit={onSubmit}
      noValidate
      aria-label={`Réinitialiser le mot de passe de ${props.a.username}`}
    >
      <p className="muted">
        Les sessions ouvertes de {props.a.username} sont fermées ; communiquez-lui ce mot de passe, qu'il
        changera dans « Changer mon mot de passe ».
      </p>
      <div className="row">
        <TextField
          label="Nouveau mot de passe"
          hint={PASSWORD_HINT}
          error={fieldError(error, "password")}
          value={password}
          onChange={setPassword}
          input={GIVEN_PASSWORD}
          autoFocus
        />
        <SaveOrCancel busy={busy} label="Enregistrer le mot de passe" onCancel={props.onCancel} />
      </div>
      <FormError error={error} fields={["password"]} />
    </form>
  );
}

/** Issues an API token; its secret is shown here once and never again (only its digest is kept). */
function NewToken(props: RowFormProps<RowMode> & { a: AccountRow }) {
  const [tokenLabel, setTokenLabel] = useState("");
  const [secret, setSecret] = useState<string>();
  const [copied, setCopied] = useState(false);
  const { busy, error, submit } = useCommand();
  const onSubmit = submit(
    () =>
      api.post<{ token: string; label: string }>(`${accountPath(props.a.username)}/tokens`, {
        label: tokenLabel.trim(),
      }),
    { onDone: (r) => setSecret(r.token) },
  );
  if (secret) {
    const copy = async () => {
      try {
        await navigator.clipboard.writeText(secret);
        setCopied(true);
      } catch {
        /* no clipboard (insecure origin): the field is selected, the administrator copies it by hand */
      }
    };
    return (
      <div className="token-once" data-testid="token-once">
        <div className="banner warn" role="alert">
          <span>
            <strong>Copiez ce jeton maintenant : il ne sera plus jamais affiché.</strong> Seule son empreinte
            est conservée ; s'il est perdu, créez-en un autre.
          </span>
        </div>
        <div className="row">
          <Field label={`Jeton « ${tokenLabel.trim()} » de ${props.a.username}`} className="grow">
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                className="mono secret"
                readOnly
                value={secret}
                ref={focusOnMount}
                onFocus={(e) => e.target.select()}
                data-testid="token-secret"
              />
            )}
          </Field>
          <div className="row-buttons">
            <button type="button" onClick={copy}>
              {copied ? "Copié" : "Copier"}
            </button>
            <button type="button" className="primary" onClick={props.onCancel}>
              J'ai copié le jeton
            </button>
          </div>
        </div>
      </div>
    );
  }
  return (
    <form
      className="inline-form"
      onSubmit={onSubmit}
      noValidate
      aria-label={`Créer un jeton d'API pour ${props.a.username}`}
    >
      <p className="muted">
        Un jeton donne à un autre système les droits de {props.a.username}, tant que le compte est actif.
      </p>
      <div className="row">
        <TextField
          label="Libellé du jeton"
          hint="Le système qui l'utilisera, par exemple « télérelève »."
          className="grow"
          error={fieldError(error, "label")}
          value={tokenLabel}
          onChange={setTokenLabel}
          input={{ autoComplete: "off" }}
          autoFocus
        />
        <SaveOrCancel busy={busy} label="Créer le jeton" onCancel={props.onCancel} />
      </div>
      <FormError error={error} fields={["label"]} />
    </form>
  );
}

const NEW_ACCOUNT = { username: "", role: "FO", entity: "", password: "" };
const NEW_ACCOUNT_FIELDS = ["username", "role", "entity", "password"];
type NewAccountField = keyof typeof NEW_ACCOUNT;
/** The fields a new account needs, in the form's order, with their names in a sentence. */
const REQUIRED: Array<[NewAccountField, string]> = [
  ["username", "l'identifiant"],
  ["entity", "l'entité"],
  ["password", "le mot de passe initial"],
];
/** What is said beside a required field left empty. */
const MISSING = "À renseigner.";

function NewAccount({ onCreated, entities }: { onCreated: () => void; entities: string[] }) {
  const [draft, setDraft] = useState(NEW_ACCOUNT);
  // Every required field left empty, said at once beside each (nothing is sent while one is).
  const [missing, setMissing] = useState<NewAccountField[]>([]);
  const update = (patch: Partial<typeof NEW_ACCOUNT>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setMissing((m) => m.filter((f) => !(f in patch)));
  };
  const [created, setCreated] = useState<string>();
  const tokenOnly = draft.role === "INTEGRATION";
  const { busy, error, submit } = useCommand();
  const listId = useId();
  const send = submit(
    async () => {
      setCreated(undefined);
      // The billing system's account has no password: it calls with API tokens only (R14).
      if (tokenOnly) {
        const { password: _none, ...rest } = draft;
        return api.post<{ username: string }>("/api/accounts", { ...rest, username: draft.username.trim() });
      }
      assertPasswordLength(draft.password, "password");
      return api.post<{ username: string }>("/api/accounts", { ...draft, username: draft.username.trim() });
    },
    {
      onDone: (a) => {
        setCreated(a.username);
        setDraft(NEW_ACCOUNT);
        onCreated();
      },
    },
  );
  const onSubmit = (e: FormEvent) => {
    const empty = REQUIRED.filter(([f]) => draft[f].trim() === "" && !(f === "password" && tokenOnly)).map(
      ([f]) => f,
    );
    setMissing(empty);
    if (empty.length > 0) {
      e.preventDefault();
      const first = (e.currentTarget as HTMLFormElement).elements.namedItem(empty[0] as string);
      if (first instanceof HTMLElement) first.focus();
      return;
    }
    send(e);
  };
  const errorOf = (f: NewAccountField) => (missing.includes(f) ? MISSING : fieldError(error, f));
  return (
    <Section title="Nouveau compte">
      <form onSubmit={onSubmit} noValidate aria-label="Nouveau compte">
        {created && (
          <div className="banner ok" role="status">
            Compte {created} créé : communiquez-lui son mot de passe initial.
          </div>
        )}
        {missing.length > 0 && (
          <div className="banner error" role="alert" data-testid="missing-fields">
            À renseigner :{" "}
            {REQUIRED.filter(([f]) => missing.includes(f))
              .map(([, name]) => name)
              .join(", ")}
            .
          </div>
        )}
        <div className="row">
          <TextField
            label="Identifiant"
            hint="a-z, 0-9, « . », « _ », « - » (ex. fo.lyon.dupont)."
            error={errorOf("username")}
            value={draft.username}
            onChange={(username) => update({ username })}
            input={{ autoComplete: "off", spellCheck: false, name: "username" }}
          />
          <Field label="Rôle" error={fieldError(error, "role")}>
            {(id, d) => (
              <select
                id={id}
                aria-describedby={d}
                value={draft.role}
                onChange={(e) => update({ role: e.target.value })}
              >
                {Object.entries(ROLE_LABEL).map(([k, v]) => (
                  <option key={k} value={k}>
                    {v} ({k})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <TextField
            label="Entité"
            hint="Choisie dans la liste des entités existantes, ou une nouvelle."
            error={errorOf("entity")}
            value={draft.entity}
            onChange={(entity) => update({ entity })}
            input={{ list: `${listId}-entities`, autoComplete: "off", spellCheck: false, name: "entity" }}
          />
          <datalist id={`${listId}-entities`} data-testid="entities">
            {entities.map((e) => (
              <option key={e} value={e} />
            ))}
          </datalist>
          {!tokenOnly && (
            <TextField
              label="Mot de passe initial"
              hint={`${PASSWORD_HINT} À communiquer à l'utilisateur.`}
              error={errorOf("password")}
              value={draft.password}
              onChange={(password) => update({ password })}
              input={{ ...GIVEN_PASSWORD, name: "password" }}
            />
          )}
          <div className="row-buttons">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? "Création…" : "Créer le compte"}
            </button>
          </div>
        </div>
        <FormError error={error} fields={NEW_ACCOUNT_FIELDS} />
      </form>
    </Section>
  );
}
