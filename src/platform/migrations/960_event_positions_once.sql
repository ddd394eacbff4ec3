-- Event positions (600) given once per transaction instead of once per event, with the same rule:
-- at commit, under the advisory lock, in commit order (docs/decisions.md "event positions").
--
-- 600's deferred constraint trigger is per row: a transaction writing 2,000 events (one batch of the
-- deadline sweep) made 2,000 calls at commit, the first giving the positions and 1,999 finding them
-- given; then the positions' update called the append-only trigger function 2,000 times to allow it.
--
-- Now: the first statement of a transaction that inserts events records the transaction in
-- `events_pending` (one row, statement trigger); the deferred constraint trigger is on that row, so it
-- runs once at commit: it gives the positions and removes the row. A savepoint rolled back takes its
-- row with it when it wrote it, and the next insert of events records the transaction again.
create table events_pending (
  txid  bigint primary key
);
comment on table events_pending is
  'derived: the transactions that wrote events not yet positioned; a row lives until its transaction commits';

create function ecart_events_pending() returns trigger language plpgsql as $$
begin
  insert into events_pending values (txid_current()) on conflict do nothing;
  return null;
end;
$$;

create or replace function ecart_event_positions() returns trigger language plpgsql as $$
declare
  n bigint;
  base bigint;
begin
  delete from events_pending where txid = new.txid;
  perform pg_advisory_xact_lock(7242600);
  -- Committed events all have positions: the ones without are this transaction's.
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

drop trigger events_positioned on events;
create trigger events_pending after insert on events
  for each statement execute function ecart_events_pending();
create constraint trigger events_positioned after insert on events_pending
  deferrable initially deferred
  for each row execute function ecart_event_positions();

-- The one update allowed (a position given to an event without one) no longer calls the function:
-- the trigger's condition, evaluated without PL/pgSQL, lets it through. Every other update, and every
-- delete, still raises APPEND_ONLY.
drop trigger events_append_only on events;
create trigger events_append_only before update on events
  for each row
  when (old.position is not null or new.position is null or new.seq is distinct from old.seq
        or new.id is distinct from old.id or new.type is distinct from old.type
        or new.payload is distinct from old.payload or new.occurred_at is distinct from old.occurred_at)
  execute function ecart_events_append_only();
create trigger events_no_delete before delete on events
  for each row execute function ecart_events_append_only();
