/** Sending a command from a form or a button: busy state, the server's coded error, the idempotency key. */
import { type FormEvent, useCallback, useState } from "react";
import { type ApiError, newIdempotencyKey } from "./api.ts";
import { formLevelError } from "./ui.tsx";

export interface CommandHandlers<T> {
  /** Runs on success (inside the same try: if it throws, its error is shown like the server's). */
  onDone?: (result: T) => void;
  /** Runs after a refusal has been kept for display. */
  onError?: (error: ApiError) => void;
}

export interface Command {
  busy: boolean;
  /** The last refusal (its field, if any, says where to show it); cleared when the next attempt starts. */
  error: ApiError | undefined;
  /** Runs the command with this attempt's idempotency key. */
  run: <T>(command: (idempotencyKey: string) => Promise<T>, handlers?: CommandHandlers<T>) => Promise<void>;
  /** The same as a form's onSubmit (the page does not reload). */
  submit: <T>(
    command: (idempotencyKey: string) => Promise<T>,
    handlers?: CommandHandlers<T>,
  ) => (e: FormEvent) => void;
  /** A new key for the next attempt: the last one was done, or refused and kept on file. */
  renewKey: () => void;
}

/**
 * One command at a time: busy while it runs, its refusal kept for display, and one idempotency key
 * for the attempt (a double click or a retry after a network hiccup is not run twice).
 */
export function useCommand(): Command {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const [key, setKey] = useState(newIdempotencyKey);
  const renewKey = useCallback(() => setKey(newIdempotencyKey()), []);
  const run = async <T,>(
    command: (idempotencyKey: string) => Promise<T>,
    handlers: CommandHandlers<T> = {},
  ) => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await command(key);
      handlers.onDone?.(result);
    } catch (err) {
      setError(err as ApiError);
      handlers.onError?.(err as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const submit =
    <T,>(command: (idempotencyKey: string) => Promise<T>, handlers?: CommandHandlers<T>) =>
    (e: FormEvent) => {
      e.preventDefault();
      void run(command, handlers);
    };
  return { busy, error, run, submit, renewKey };
}

/** A refusal that belongs to none of the form's fields (those are shown beside their field). */
export function FormError({ error, fields = [] }: { error: ApiError | undefined; fields?: string[] }) {
  const general = formLevelError(error, fields);
  if (!general) return null;
  return (
    <div className="banner error" role="alert">
      {general.message}
    </div>
  );
}

/** An inline form's submit button (« Enregistrement… » while busy) and its « Annuler ». */
export function SaveOrCancel(props: {
  busy: boolean;
  label: string;
  onCancel: () => void;
  disabled?: boolean;
}) {
  return (
    <div className="row-buttons">
      <button type="submit" className="primary" disabled={props.busy || props.disabled}>
        {props.busy ? "Enregistrement…" : props.label}
      </button>
      <button type="button" className="ghost" onClick={props.onCancel}>
        Annuler
      </button>
    </div>
  );
}
