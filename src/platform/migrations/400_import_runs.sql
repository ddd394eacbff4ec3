-- One row per finished readings import (`ecart import readings`, the demo's loading): what it counted.
-- The metrics read it (ecart_import_rows_total): the import runs in its own process, not the server's.
-- An import stopped halfway records nothing here (its batches are in the audit log); run again, it does.
create table import_runs (
  id               bigint generated always as identity primary key,
  finished_at      timestamptz not null,
  source           text not null,
  actor            text not null,
  lines            integer not null,
  inserted         integer not null,
  already_present  integer not null,
  rejected         integer not null,
  seconds          double precision not null
);
