-- Issue 4: delivery of the outbox (SPEC §5). A message is claimed (SENDING) and committed
-- before it is handed to a transport; a lease tells a dead worker's claim from a live one.
alter table communications add column transport text check (transport in ('SMTP', 'FILE'));
alter table communications add column lease_until timestamptz;
alter table communications add column failure text check (failure in ('EXHAUSTED', 'INTERRUPTED'));
-- Attempts made before the last advisor retry: the retry budget counts from there.
alter table communications add column attempts_base int not null default 0;

-- One row per delivery attempt, never deleted: what was tried, how, and how it ended.
create table communication_attempts (
  communication_id  text not null references communications(id),
  attempt           int not null,
  transport         text not null check (transport in ('SMTP', 'FILE')),
  worker            text not null,
  started_at        timestamptz not null,
  finished_at       timestamptz,
  outcome           text check (outcome in ('SENT', 'RETRY', 'FAILED', 'INTERRUPTED', 'REQUEUED')),
  error             text,
  primary key (communication_id, attempt)
);
create index communications_sending on communications(lease_until) where status = 'SENDING';
