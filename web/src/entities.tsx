/** Links to cases and service points, and their status badges: the same on every page. */
import { CASE_STATUS, label, MSG_STATUS } from "./format.ts";
import { Badge, Link, type Tone } from "./ui.tsx";

export const casePath = (id: string): string => `/dossiers/${encodeURIComponent(id)}`;
export const servicePointPath = (id: string): string => `/pds/${encodeURIComponent(id)}`;

/** A case's number, linked to its page. */
export function CaseLink({ id }: { id: string }) {
  return <Link to={casePath(id)}>{id}</Link>;
}

/** A service point's id, linked to its page. */
export function ServicePointLink({ id }: { id: string }) {
  return <Link to={servicePointPath(id)}>{id}</Link>;
}

/** An open case stands out; a closed one is muted. */
export const caseTone = (status: string): Tone => (status === "OPEN" ? "warn" : "muted");

/** A sent message is ok, a failed one bad, one still waiting muted. */
export const messageTone = (status: string): Tone =>
  status === "SENT" ? "ok" : status === "FAILED" ? "bad" : "muted";

export function CaseStatusBadge({ status }: { status: string }) {
  return <Badge tone={caseTone(status)}>{label(CASE_STATUS, status)}</Badge>;
}

export function MessageStatusBadge({ status }: { status: string }) {
  return <Badge tone={messageTone(status)}>{label(MSG_STATUS, status)}</Badge>;
}
