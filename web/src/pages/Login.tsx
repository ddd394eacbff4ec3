/** Login: username and password; the server sets the session cookie. */
import { useState } from "react";
import { api } from "../api.ts";
import { FormError, useCommand } from "../command.tsx";
import { fieldError, TextField } from "../ui.tsx";

export function LoginPage({ onLoggedIn }: { onLoggedIn: () => Promise<void> }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, submit } = useCommand();
  const onSubmit = submit(
    async () => {
      await api.post("/api/session", { username: username.trim(), password });
      await onLoggedIn();
    },
    { onError: () => setPassword("") },
  );

  return (
    <main className="login" id="contenu">
      <form className="login-card" onSubmit={onSubmit} aria-labelledby="login-title" noValidate>
        <div className="brand big">
          <span className="logo" aria-hidden="true">
            É
          </span>
          Écart
        </div>
        <h1 id="login-title">Connexion à la console</h1>
        <p className="muted">
          Écarts de consommation entre occupants — conseillers FO, BO, Euros et pilotage.
        </p>
        <TextField
          label="Identifiant"
          error={fieldError(error, "username")}
          value={username}
          onChange={setUsername}
          input={{ name: "username", autoComplete: "username", required: true }}
          autoFocus
        />
        <TextField
          label="Mot de passe"
          error={fieldError(error, "password")}
          value={password}
          onChange={setPassword}
          input={{ name: "password", type: "password", autoComplete: "current-password", required: true }}
        />
        <FormError error={error} fields={["username", "password"]} />
        <button type="submit" className="primary" disabled={busy || !username || !password}>
          {busy ? "Connexion…" : "Se connecter"}
        </button>
      </form>
    </main>
  );
}
