-- SPEC §8: reference data in (the CIS's files and API), decisions out (the event feed, webhooks); R14's
-- INTEGRATION role. docs/integration.md; the ordering of the feed: docs/decisions.md ("event positions").

-- R14: the billing system's account. It has no password: it never logs in, it calls with an API token.
alter table accounts drop constraint accounts_role_check;
alter table accounts add constraint accounts_role_check
  check (role in ('FO', 'BO', 'EUROS', 'SUPERVISOR', 'ADMIN', 'INTEGRATION'));
alter table accounts add constraint accounts_integration_without_password
  check (role <> 'INTEGRATION' or password_hash is null);

-- A meter's removal index, as the CIS gives it with removed_on (the removal reading holds it too).
alter table meters add column removed_index bigint check (removed_index >= 0);

-- The event feed. An event is written in the transaction that takes the decision, without a position;
-- its position is given at commit (constraint trigger below), under a transaction-level advisory lock:
-- positions are therefore given in commit order, and a reader paging with `after` never sees a
-- position appear below one it has already read.
create sequence event_position_seq;
create table events (
  seq          bigint generated always as identity primary key,
  position     bigint unique,
  id           text not null unique default ('evt_' || replace(gen_random_uuid()::text, '-', '')),
  type         text not null,
  payload      jsonb not null,
  occurred_at  timestamptz not null
);
create index events_unpositioned on events(seq) where position is null;

create function ecart_event_positions() returns trigger language plpgsql as $$
declare
  n bigint;
  base bigint;
begin
  -- One call per row at commit; the first gives positions to all of the transaction's events.
  if (select e.position from events e where e.seq = new.seq) is not null then
    return null;
  end if;
  perform pg_advisory_xact_lock(7242600);
  select count(*) into n from events where position is null;
  if n = 0 then
    return null;
  end if;
  base := nextval('event_position_seq');
  if n > 1 then
    perform setval('event_position_seq', base + n - 1);
  end if;
  update events e set position = o.base_position
    from (select seq, base + row_number() over (order by seq) - 1 as base_position
            from events where position is null) o
   where e.seq = o.seq;
  return null;
end;
$$;

create constraint trigger events_positioned after insert on events
  deferrable initially deferred
  for each row execute function ecart_event_positions();

-- Events are never changed nor removed: the only update gives a position to an event without one.
create function ecart_events_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' and old.position is null and new.position is not null and new.seq = old.seq
     and new.id = old.id and new.type = old.type and new.payload = old.payload
     and new.occurred_at = old.occurred_at then
    return new;
  end if;
  raise exception 'APPEND_ONLY: events are never changed nor deleted' using errcode = 'P0001';
end;
$$;
create trigger events_append_only before update or delete on events
  for each row execute function ecart_events_append_only();
create trigger events_no_truncate before truncate on events
  for each statement execute function ecart_events_append_only();

-- Webhook endpoints (an administrator registers them) and their delivery state: each endpoint reads the
-- feed in order from `delivered_position` (the last event it acknowledged); only the head event is
-- ever in flight, claimed with a lease (a worker that dies leaves it to be sent again, same id).
create sequence webhook_seq;
create table webhook_endpoints (
  id                  text primary key default ecart_next_id('WH-', 'webhook_seq', 4),
  url                 text not null check (url ~ '^https?://'),
  description         text,
  secret              text not null,
  active              boolean not null default true,
  delivered_position  bigint not null default 0,
  attempts            int not null default 0,
  next_attempt_at     timestamptz,
  lease_until         timestamptz,
  leased_by           text,
  last_status         int,
  last_error          text,
  last_attempt_at     timestamptz,
  last_success_at     timestamptz,
  created_at          timestamptz not null,
  created_by          text not null,
  disabled_at         timestamptz,
  disabled_by         text
);

create table webhook_attempts (
  id              bigint generated always as identity primary key,
  endpoint_id     text not null references webhook_endpoints(id),
  event_position  bigint not null,
  event_id        text not null,
  attempt         int not null,
  worker          text not null,
  started_at      timestamptz not null,
  finished_at     timestamptz,
  outcome         text check (outcome in ('DELIVERED', 'FAILED', 'INTERRUPTED')),
  status_code     int,
  error           text
);
create index webhook_attempts_endpoint on webhook_attempts(endpoint_id, id desc);
