/**
 * « Changer mon mot de passe »: every logged-in user, with their current password; other sessions are closed.
 * The only page of an account whose password someone else set, until it is changed (`onChanged` then
 * reloads who is logged in, and the console opens).
 */
import { useState } from "react";
import { ApiError, api } from "../api.ts";
import { FormError, useCommand } from "../command.tsx";
import { useMe } from "../session.ts";
import { fieldError, TextField } from "../ui.tsx";

/** The shortest password the API accepts (src/accounts/password-policy.ts, which also refuses common ones). */
export const MIN_PASSWORD_LENGTH = 12;
export const PASSWORD_HINT = `${MIN_PASSWORD_LENGTH} caractères au moins, ni l'identifiant ni un mot de passe courant.`;

/**
 * Refuses a short password before the call, as the server would, beside the same field, in the words of
 * the form rather than the API's generic « Champ « … » invalide : au moins 8 caractères ».
 */
export function assertPasswordLength(password: string, field: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ApiError(
      400,
      "INVALID_INPUT",
      `Le mot de passe doit contenir au moins ${MIN_PASSWORD_LENGTH} caractères.`,
      field,
    );
  }
}

const FIELDS = ["currentPassword", "newPassword", "confirmPassword"];

export function MyPasswordPage({ onChanged }: { onChanged?: () => Promise<void> } = {}) {
  const required = useMe().mustChangePassword === true;
  const [currentPassword, setCurrent] = useState("");
  const [newPassword, setNew] = useState("");
  const [confirmPassword, setConfirm] = useState("");
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useCommand();
  const onSubmit = submit(
    async () => {
      setDone(false);
      assertPasswordLength(newPassword, "newPassword");
      if (confirmPassword !== newPassword) {
        throw new ApiError(
          400,
          "INVALID_INPUT",
          "La confirmation ne correspond pas au nouveau mot de passe.",
          "confirmPassword",
        );
      }
      await api.post("/api/me/password", { currentPassword, newPassword });
    },
    {
      onDone: () => {
        setCurrent("");
        setNew("");
        setConfirm("");
        setDone(true);
        if (required) void onChanged?.();
      },
      onError: () => setCurrent(""),
    },
  );
  return (
    <div className="page narrow">
      <h1>Changer mon mot de passe</h1>
      <form className="form-card" onSubmit={onSubmit} noValidate aria-label="Changer mon mot de passe">
        {required && !done && (
          <div className="banner warn" role="status" data-testid="password-required">
            Votre mot de passe a été choisi par quelqu'un d'autre : choisissez-en un nouveau avant de
            continuer.
          </div>
        )}
        {done && (
          <div className="banner ok" role="status" data-testid="password-changed">
            Mot de passe changé. Vos autres sessions ouvertes sont fermées.
          </div>
        )}
        <TextField
          label="Mot de passe actuel"
          error={fieldError(error, "currentPassword")}
          value={currentPassword}
          onChange={setCurrent}
          input={{ type: "password", autoComplete: "current-password", required: true }}
          autoFocus
        />
        <TextField
          label="Nouveau mot de passe"
          hint={PASSWORD_HINT}
          error={fieldError(error, "newPassword")}
          value={newPassword}
          onChange={setNew}
          input={{ type: "password", autoComplete: "new-password", required: true }}
        />
        <TextField
          label="Confirmer le nouveau mot de passe"
          error={fieldError(error, "confirmPassword")}
          value={confirmPassword}
          onChange={setConfirm}
          input={{ type: "password", autoComplete: "new-password", required: true }}
        />
        <FormError error={error} fields={FIELDS} />
        <div className="form-buttons">
          <button type="submit" className="primary" disabled={busy || !currentPassword || !newPassword}>
            {busy ? "Enregistrement…" : "Changer mon mot de passe"}
          </button>
        </div>
      </form>
    </div>
  );
}
