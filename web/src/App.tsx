/** The console's shell: session, navigation by role, and the page for the current route. */
import { useCallback, useEffect, useState } from "react";
import { ApiError, api, setUnauthenticatedHandler } from "./api.ts";
import { ROLE_LABEL } from "./format.ts";
import { AccountsPage } from "./pages/Accounts.tsx";
import { CasePage } from "./pages/CasePage.tsx";
import { ContestsPage } from "./pages/Contests.tsx";
import { LoginPage } from "./pages/Login.tsx";
import { MoveInPage } from "./pages/MoveIn.tsx";
import { MyPasswordPage } from "./pages/MyPassword.tsx";
import { OutboxPage } from "./pages/Outbox.tsx";
import { ReportsPage } from "./pages/Reports.tsx";
import { SearchPage } from "./pages/Search.tsx";
import { ServicePointPage } from "./pages/ServicePoint.tsx";
import { WebhooksPage } from "./pages/Webhooks.tsx";
import { WorkQueuePage } from "./pages/WorkQueue.tsx";
import { type Me, SessionContext } from "./session.ts";
import { Link, Loading, navigate, useRoute } from "./ui.tsx";

interface NavItem {
  to: string;
  label: string;
  show: (me: Me) => boolean;
}

const NAV: NavItem[] = [
  { to: "/", label: "Recherche", show: () => true },
  { to: "/file", label: "File de travail", show: (me) => me.role !== "SUPERVISOR" },
  { to: "/contestations", label: "Contestations", show: (me) => me.role !== "SUPERVISOR" },
  { to: "/courriers", label: "Courriers", show: () => true },
  { to: "/pilotage", label: "Pilotage", show: (me) => me.permissions.reports },
  { to: "/comptes", label: "Comptes", show: (me) => me.permissions.admin },
  { to: "/webhooks", label: "Webhooks", show: (me) => me.permissions.admin },
];

function Page({ path, me, onMeChanged }: { path: string; me: Me; onMeChanged: () => Promise<void> }) {
  const parts = (path.split("?")[0] ?? "").split("/").filter(Boolean).map(decodeURIComponent);
  const [head, id, sub] = parts;
  if (!head) return <SearchPage />;
  if (head === "pds" && id && sub === "arrivee") return <MoveInPage servicePointId={id} />;
  if (head === "pds" && id) return <ServicePointPage id={id} />;
  if (head === "dossiers" && id) return <CasePage id={id} />;
  if (head === "file") return <WorkQueuePage />;
  if (head === "contestations") return <ContestsPage />;
  if (head === "courriers") return <OutboxPage />;
  if (head === "pilotage" && me.permissions.reports) return <ReportsPage />;
  if (head === "comptes" && me.permissions.admin) return <AccountsPage />;
  if (head === "webhooks" && me.permissions.admin) return <WebhooksPage />;
  if (head === "mot-de-passe") return <MyPasswordPage onChanged={onMeChanged} />;
  return (
    <div className="page">
      <h1>Page introuvable</h1>
      <p>
        <Link to="/">Retour à la recherche</Link>
      </p>
    </div>
  );
}

/** How long a page may take to show its title before the focus is left where it is. */
const TITLE_WAIT_MS = 10_000;

/** Focuses the page title as soon as it is in the page (unless the user is typing in a form); returns the clean-up. */
function focusTitleWhenShown(): () => void {
  const main = document.querySelector("main");
  const take = (): boolean => {
    const h1 = document.querySelector<HTMLElement>("main h1");
    if (!h1) return false;
    if (!document.activeElement?.closest("form")) {
      h1.tabIndex = -1;
      h1.focus({ preventScroll: true });
    }
    return true;
  };
  if (!main || take()) return () => {};
  const seen = new MutationObserver(() => {
    if (take()) stop();
  });
  const timer = setTimeout(() => stop(), TITLE_WAIT_MS);
  const stop = () => {
    seen.disconnect();
    clearTimeout(timer);
  };
  seen.observe(main, { childList: true, subtree: true });
  return stop;
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const path = useRoute();

  const loadMe = useCallback(async () => {
    try {
      setMe(await api.get<Me>("/api/me"));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setMe(null);
      else setMe(null);
    }
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(() => setMe(null));
    void loadMe();
  }, [loadMe]);

  // Move focus to the page title on navigation, for keyboard and screen-reader users: a page that loads
  // its data first (a case, a service point) gets it once its title is there.
  const routeKey = path.split("?")[0];
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each route change
  useEffect(() => focusTitleWhenShown(), [routeKey]);
  // A password set by someone else: « Mon mot de passe » and nothing else until it is changed.
  const mustChange = me?.mustChangePassword === true;
  useEffect(() => {
    if (mustChange && routeKey !== "/mot-de-passe") navigate("/mot-de-passe");
  }, [mustChange, routeKey]);

  if (me === undefined) return <Loading what="Ouverture de la console" />;
  if (me === null) return <LoginPage onLoggedIn={loadMe} />;

  const logout = async () => {
    try {
      await api.del("/api/session");
    } finally {
      setMe(null);
      navigate("/");
    }
  };
  const current = `/${(path.split("?")[0] ?? "").split("/").filter(Boolean)[0] ?? ""}`;
  return (
    <SessionContext.Provider value={me}>
      <a className="skip" href="#contenu">
        Aller au contenu
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            É
          </span>
          Écart
        </div>
        <nav aria-label="Navigation principale">
          {NAV.filter((n) => !mustChange && n.show(me)).map((n) => (
            <a
              key={n.to}
              href={`#${n.to}`}
              className={
                n.to === current || (n.to === "/" && (current === "/pds" || current === "/")) ? "active" : ""
              }
              aria-current={n.to === current ? "page" : undefined}
            >
              {n.label}
            </a>
          ))}
        </nav>
        <div className="who">
          <span className="user" title={`${ROLE_LABEL[me.role] ?? me.role} · ${me.entity}`}>
            {me.username}
          </span>
          <span className="role">
            {ROLE_LABEL[me.role] ?? me.role} · {me.entity}
          </span>
          <Link
            to="/mot-de-passe"
            className={current === "/mot-de-passe" ? "own-password active" : "own-password"}
          >
            <span className="wide-only">Changer mon </span>mot de passe
          </Link>
          <button type="button" className="ghost small" onClick={logout}>
            Se déconnecter
          </button>
        </div>
      </header>
      <main id="contenu">
        {/* A new route is a new page: nothing typed or done on another one (another service point's move-in) shows. */}
        <Page key={routeKey} path={mustChange ? "/mot-de-passe" : path} me={me} onMeChanged={loadMe} />
      </main>
    </SessionContext.Provider>
  );
}
