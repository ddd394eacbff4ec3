/** Tables whose rows open an inline form (correct a reading, end a subscription…): one form open at a time. */
import { type ReactNode, useState } from "react";

export interface RowForm<M extends string> {
  /** The mode of the form open on this row, or null. */
  modeOf: (id: string) => M | null;
  open: (id: string, mode: M) => void;
  /** Opens the form, or closes it when that very form is already open. */
  toggle: (id: string, mode: M) => void;
  close: () => void;
  /** The form did its work: close it and reload what the table shows. */
  done: () => void;
}

/** What a row's inline form is given: which of its forms it is, and what to do when done or cancelled. */
export interface RowFormProps<M extends string> {
  mode: M;
  onDone: () => void;
  onCancel: () => void;
}

export function useRowForm<M extends string>(onChanged: () => void): RowForm<M> {
  const [current, setCurrent] = useState<{ id: string; mode: M } | null>(null);
  return {
    modeOf: (id) => (current?.id === id ? current.mode : null),
    open: (id, mode) => setCurrent({ id, mode }),
    toggle: (id, mode) => setCurrent(current?.id === id && current.mode === mode ? null : { id, mode }),
    close: () => setCurrent(null),
    done: () => {
      setCurrent(null);
      onChanged();
    },
  };
}

/** The row under a table row that holds its open form, across all the columns. */
export function InlineFormRow({ colSpan, children }: { colSpan: number; children: ReactNode }) {
  if (!children) return null;
  return (
    <tr className="inline-form-row">
      <td colSpan={colSpan}>{children}</td>
    </tr>
  );
}

/** The header of the row-actions column: read by screen readers, not shown. */
export function ActionsHeader() {
  return (
    <th>
      <span className="sr-only">Actions</span>
    </th>
  );
}
