/** Small shared pieces: hash routing, async loading, form fields with their error beside them. */
import {
  type InputHTMLAttributes,
  type ReactNode,
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
} from "react";
import { ApiError, api } from "./api.ts";
import { todayParis } from "./format.ts";

/* ---------- routing (hash based: the server only serves index.html) ---------- */

export function currentPath(): string {
  const h = window.location.hash.replace(/^#/, "");
  return h || "/";
}

export function navigate(path: string): void {
  if (currentPath() !== path) window.location.hash = path;
}

export function useRoute(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const f = () => setPath(currentPath());
    window.addEventListener("hashchange", f);
    return () => window.removeEventListener("hashchange", f);
  }, []);
  return path;
}

export function Link(props: { to: string; children: ReactNode; className?: string; title?: string }) {
  return (
    <a href={`#${props.to}`} className={props.className} title={props.title}>
      {props.children}
    </a>
  );
}

/* ---------- loading data ---------- */

export interface Async<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads on mount and whenever deps change; keeps the last data while reloading. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's
  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    setError(undefined);
    loadRef.current(ctrl.signal).then(
      (d) => {
        if (ctrl.signal.aborted) return;
        setData(d);
        setLoading(false);
      },
      (e: unknown) => {
        if (ctrl.signal.aborted) return;
        setError(e instanceof ApiError ? e : new ApiError(0, "CLIENT", (e as Error).message));
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** GETs a JSON resource on mount and whenever its URL (which carries the filters) changes. */
export function useGet<T>(url: string): Async<T> {
  return useAsync((signal) => api.get<T>(url, { signal }), [url]);
}

/** A page about one thing the server holds (a case, a service point): loading, error, then its body. */
export function ResourcePage<T>(props: {
  url: string;
  what: string;
  children: (data: T, reload: () => void) => ReactNode;
}) {
  const state = useGet<T>(props.url);
  return (
    <div className="page">
      <AsyncView state={state} what={props.what}>
        {(data) => props.children(data, state.reload)}
      </AsyncView>
    </div>
  );
}

export function Loading({ what = "Chargement" }: { what?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function ErrorBanner({ error, onRetry }: { error: ApiError | undefined; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div className="banner error" role="alert">
      <span>{error.message}</span>
      {onRetry && (
        <button type="button" className="link" onClick={onRetry}>
          Réessayer
        </button>
      )}
    </div>
  );
}

/** Shows loading, error or the content; data stays visible while reloading. */
export function AsyncView<T>(props: { state: Async<T>; what?: string; children: (data: T) => ReactNode }) {
  const { state } = props;
  if (state.data === undefined) {
    if (state.error) return <ErrorBanner error={state.error} onRetry={state.reload} />;
    return <Loading what={props.what} />;
  }
  return (
    <>
      {state.error && <ErrorBanner error={state.error} onRetry={state.reload} />}
      {props.children(state.data)}
    </>
  );
}

/** AsyncView for a list: its empty text in place of the content when no item came back. */
export function AsyncList<T extends { items: readonly unknown[] }>(props: {
  state: Async<T>;
  what?: string;
  empty: ReactNode;
  children: (data: T) => ReactNode;
}) {
  return (
    <AsyncView state={props.state} what={props.what}>
      {(data) => (data.items.length === 0 ? <Empty>{props.empty}</Empty> : props.children(data))}
    </AsyncView>
  );
}

/* ---------- forms ---------- */

/** A ref that focuses its element once, when it appears (the form the advisor just opened). */
export const focusOnMount = (el: HTMLElement | null): void => {
  el?.focus();
};

/** Which field a server error belongs to, so it is shown there rather than in a banner. */
export function fieldError(err: ApiError | undefined, ...names: string[]): string | undefined {
  if (!err?.field) return undefined;
  const f = err.field;
  return names.some((n) => f === n || f.startsWith(`${n}.`) || f.endsWith(`.${n}`)) ? err.message : undefined;
}

/** The error that belongs to no field shown on the form. */
export function formLevelError(err: ApiError | undefined, fields: string[]): ApiError | undefined {
  if (!err) return undefined;
  return fieldError(err, ...fields) ? undefined : err;
}

export function Field(props: {
  label: string;
  error?: string | undefined;
  hint?: ReactNode;
  children: (id: string, describedBy: string | undefined) => ReactNode;
  className?: string;
}) {
  const id = useId();
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  const describedBy =
    [props.error ? errId : "", props.hint ? hintId : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`field${props.error ? " has-error" : ""} ${props.className ?? ""}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, describedBy)}
      {props.hint && (
        <div className="hint" id={hintId}>
          {props.hint}
        </div>
      )}
      {props.error && (
        <div className="field-error" id={errId} role="alert">
          {props.error}
        </div>
      )}
    </div>
  );
}

/**
 * Form state kept in sessionStorage: what the advisor typed survives a refusal, a reload or a
 * session that expired in the middle of a call.
 */
export function useDraft<T extends object>(
  key: string,
  initial: T,
): [T, (patch: Partial<T>) => void, () => void] {
  const storageKey = `ecart.draft.${key}`;
  const [value, setValue] = useState<T>(() => {
    try {
      const raw = sessionStorage.getItem(storageKey);
      return raw ? { ...initial, ...(JSON.parse(raw) as Partial<T>) } : initial;
    } catch {
      return initial;
    }
  });
  const update = useCallback(
    (patch: Partial<T>) =>
      setValue((v) => {
        const next = { ...v, ...patch };
        try {
          sessionStorage.setItem(storageKey, JSON.stringify(next));
        } catch {
          /* storage full or disabled: the form still works */
        }
        return next;
      }),
    [storageKey],
  );
  const initialRef = useRef(initial);
  const clear = useCallback(() => {
    sessionStorage.removeItem(storageKey);
    setValue(initialRef.current);
  }, [storageKey]);
  return [value, update, clear];
}

/** A badge's colour: ok, warning, bad, information or muted. */
export type Tone = "ok" | "warn" | "bad" | "info" | "muted";

export function Badge({ tone, children }: { tone: Tone; children: ReactNode }) {
  return <span className={`badge ${tone}`}>{children}</span>;
}

export function Section(props: { title: ReactNode; actions?: ReactNode; children: ReactNode; id?: string }) {
  return (
    <section className="panel" aria-labelledby={props.id}>
      <header className="panel-head">
        <h2 id={props.id}>{props.title}</h2>
        {props.actions && <div className="panel-actions">{props.actions}</div>}
      </header>
      <div className="panel-body">{props.children}</div>
    </section>
  );
}

/** Said under a list the server answered only the first page of: how many are shown, and how to see the rest. */
export function ShownOf({
  page,
  rest,
}: {
  page: { total: number; items: readonly unknown[] };
  rest: string;
}) {
  if (page.total <= page.items.length) return null;
  return (
    <p className="muted small" data-testid="list-partial">
      Liste limitée aux {page.items.length} premières lignes sur {page.total} : {rest}
    </p>
  );
}

/** A definition list of label → value pairs, dense. */
export function Facts({ items }: { items: Array<[string, ReactNode]> }) {
  return (
    <dl className="facts">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/** What every typed-in field takes: its label, its server error, its value and how it changes. */
interface ValueFieldProps {
  label: string;
  error?: string | undefined;
  value: string;
  onChange: (value: string) => void;
  /** Focused when it appears (the first thing the advisor types in the form just opened). */
  autoFocus?: boolean;
}

/** A text input with its label, hint and server error; other attributes (type, autoComplete…) pass through. */
export function TextField(
  props: ValueFieldProps & {
    hint?: ReactNode;
    /** The field's class (e.g. "grow"), not the input's. */
    className?: string;
    input?: Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange" | "aria-describedby">;
  },
) {
  return (
    <Field label={props.label} error={props.error} hint={props.hint} className={props.className}>
      {(id, describedBy) => (
        <input
          {...props.input}
          id={id}
          aria-describedby={describedBy}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          ref={props.autoFocus ? focusOnMount : undefined}
        />
      )}
    </Field>
  );
}

/** A calendar-date field (the browser's date picker, YYYY-MM-DD), its server error beside it. */
export function DateField(
  props: ValueFieldProps & {
    /** The latest date allowed (e.g. today: no move-in in the future). */
    max?: string;
  },
) {
  const { max, ...field } = props;
  return <TextField {...field} input={{ type: "date", max }} />;
}

/** A meter-index field in whole m3 (numeric keypad on tablets), its hint and server error beside it. */
export function IndexField(props: ValueFieldProps & { hint?: ReactNode }) {
  return <TextField {...props} input={{ inputMode: "numeric", autoComplete: "off" }} />;
}

/**
 * A dated meter index (a reading, a move-out, the technician's visit): the date, today at the latest,
 * and the index in whole m3, typed first.
 */
export function DatedIndexFields(props: {
  dateLabel: string;
  indexLabel: string;
  value: { date: string; index: string };
  onChange: (patch: { date: string } | { index: string }) => void;
  error: ApiError | undefined;
}) {
  return (
    <>
      <DateField
        label={props.dateLabel}
        error={fieldError(props.error, "date")}
        value={props.value.date}
        max={todayParis()}
        onChange={(date) => props.onChange({ date })}
      />
      <IndexField
        label={props.indexLabel}
        error={fieldError(props.error, "index")}
        value={props.value.index}
        onChange={(index) => props.onChange({ index })}
        autoFocus
      />
    </>
  );
}

/** A free-text field of a few lines with its label and server error. */
export function TextAreaField(props: ValueFieldProps & { rows: number }) {
  return (
    <Field label={props.label} error={props.error}>
      {(id, describedBy) => (
        <textarea
          id={id}
          aria-describedby={describedBy}
          rows={props.rows}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          ref={props.autoFocus ? focusOnMount : undefined}
        />
      )}
    </Field>
  );
}

/** A checkbox with its label on the same line; `must` marks one the advisor has to tick to go on. */
export function CheckLine(props: {
  id: string;
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  must?: boolean;
}) {
  return (
    <div className={props.must ? "checkline must" : "checkline"}>
      <input
        id={props.id}
        type="checkbox"
        checked={props.checked}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      <label htmlFor={props.id}>{props.label}</label>
    </div>
  );
}

/** The entity filter of a list page: free text, empty for every entity. */
export function EntityFilter(props: { value: string; onChange: (value: string) => void; size: number }) {
  return (
    <label>
      Entité
      <input
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        placeholder="toutes"
        size={props.size}
      />
    </label>
  );
}

/**
 * An action asked once more, in place (an `alertdialog` named `label`): what will happen, the action's own
 * button (focused) and a way back. Nothing is sent before the second click.
 */
export function ConfirmStep(props: {
  testId: string;
  label: string;
  /** The confirm button's text, when it is not `label`. */
  confirm?: ReactNode;
  /** The server is still checking what was typed: the button says so. */
  pending?: boolean;
  /** The way back's text. */
  back?: string;
  disabled: boolean;
  onConfirm: () => void;
  onBack: () => void;
  children: ReactNode;
}) {
  return (
    <div className="confirm" data-testid={props.testId} role="alertdialog" aria-label={props.label}>
      <p>{props.children}</p>
      <div className="row-buttons">
        <button
          type="button"
          className="primary"
          disabled={props.disabled}
          onClick={props.onConfirm}
          ref={focusOnMount}
        >
          {props.pending ? "Vérification…" : (props.confirm ?? props.label)}
        </button>
        <button type="button" className="ghost" onClick={props.onBack}>
          {props.back ?? "Annuler"}
        </button>
      </div>
    </div>
  );
}

/**
 * A choice among codes, each shown by its label in `labels` (one of format.ts's tables, so the words are
 * said once); `codes` picks and orders some of them; `all`, when given, is a first option (value "") with
 * that text, for a filter.
 */
export function CodeSelect(props: {
  labels: Readonly<Record<string, string>>;
  codes?: readonly string[];
  all?: string;
  value: string;
  onChange: (code: string) => void;
  id?: string;
  describedBy?: string | undefined;
}) {
  return (
    <select
      id={props.id}
      aria-describedby={props.describedBy}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
    >
      {props.all !== undefined && <option value="">{props.all}</option>}
      {(props.codes ?? Object.keys(props.labels)).map((code) => (
        <option key={code} value={code}>
          {props.labels[code] ?? code}
        </option>
      ))}
    </select>
  );
}

/** A list's filter by code: its label above a `CodeSelect` whose first option, `all`, filters nothing. */
export function FilterSelect(props: {
  id: string;
  label: string;
  labels: Readonly<Record<string, string>>;
  all: string;
  value: string;
  onChange: (code: string) => void;
}) {
  return (
    <label htmlFor={props.id}>
      {props.label}
      <CodeSelect
        id={props.id}
        labels={props.labels}
        all={props.all}
        value={props.value}
        onChange={props.onChange}
      />
    </label>
  );
}
