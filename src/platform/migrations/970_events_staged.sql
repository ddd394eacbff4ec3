-- The feed's events are written once, with their position (docs/decisions.md "event positions").
--
-- Until now an event was inserted into `events` without a position, and the commit gave it one by
-- updating the row: a second version of every event, with its three index entries, about 14 µs an event
-- (half the feed's cost in the deadline sweep). Now `appendEvents` stages the transaction's events in
-- `events_staged`, and at commit, under the same advisory lock as before, the deferred trigger of 960
-- inserts them into `events` with their positions, in the order they were staged, and removes them.
--
-- `events_staged` is unlogged: its rows live only inside the transaction that wrote them, and a crash
-- aborts that transaction anyway; what reaches `events` is logged as before. Rows inserted straight
-- into `events` without a position (tools, the bench's world copies) are still numbered at commit by
-- the update, before the staged ones of the same transaction.
create unlogged table events_staged (
  seq          bigint generated always as identity primary key,
  txid         bigint not null default txid_current(),
  type         text not null,
  payload      jsonb not null,
  occurred_at  timestamptz not null
);
create index events_staged_txid on events_staged(txid, seq);
comment on table events_staged is
  'derived: the events of transactions in flight, moved into events with their positions at commit';

create trigger events_staged_pending after insert on events_staged
  for each statement execute function ecart_events_pending();

create or replace function ecart_event_positions() returns trigger language plpgsql as $$
declare
  direct bigint;
  staged bigint;
  base bigint;
begin
  perform pg_advisory_xact_lock(7242600);
  -- Committed events all have positions: the ones without are this transaction's.
  select count(*) into direct from events where position is null;
  select count(*) into staged from events_staged where txid = new.txid;
  if direct + staged > 0 then
    base := nextval('event_position_seq');
    if direct + staged > 1 then
      perform setval('event_position_seq', base + direct + staged - 1);
    end if;
    if direct > 0 then
      update events e set position = o.base_position
        from (select seq, base + row_number() over (order by seq) - 1 as base_position
                from events where position is null) o
       where e.seq = o.seq;
    end if;
    if staged > 0 then
      insert into events (position, type, payload, occurred_at)
      select base + direct + row_number() over (order by s.seq) - 1, s.type, s.payload, s.occurred_at
        from events_staged s where s.txid = new.txid
       order by s.seq;
      delete from events_staged where txid = new.txid;
    end if;
  end if;
  -- Last: while the row is there, the inserts above do not record the transaction again.
  delete from events_pending where txid = new.txid;
  return null;
end;
$$;
