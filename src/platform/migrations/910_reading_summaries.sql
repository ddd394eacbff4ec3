-- Issue 18, point 3: one summary row per meter of a service point (docs/decisions.md, "Reading summaries").
-- What the move-in check, the import and the service point's termination read of a meter's history —
-- its latest reading date, its first and last reading VALID now (SPEC §4) — kept by the triggers of the
-- tables they depend on, so that reading them is one index probe instead of a read of `readings`, whose
-- monthly partitions (migration 900) a prepared statement's generic plan sets up one by one at each
-- execution. Derived: only the triggers below write it, in the transaction that changes the readings,
-- confirmations or replacements it follows; no row of `readings` is ever changed for it.
--
-- `meter_key` is the meter's id, 0 for the readings of a service point without a known meter (ids start
-- at 1). "First" and "last" order as the readings' own queries do: by date, then id.

create table reading_summaries (
  service_point_id text not null,
  meter_key        bigint not null,
  seen_date        date not null,
  first_id         text,
  first_date       date,
  first_index      bigint,
  last_id          text,
  last_date        date,
  last_index       bigint,
  primary key (service_point_id, meter_key),
  check ((first_id is null) = (last_id is null))
);
comment on table reading_summaries is
  'derived: per meter of a service point, the latest reading date and the first and last reading VALID now; written by triggers only';

-- The summaries of the given meters computed again from their readings as they are now. The rows are
-- locked first, so that the readings are read after any transaction that changed them has committed
-- (each statement of a READ COMMITTED transaction reads a new snapshot). Every write of summaries takes
-- its rows in (service point, meter) order, so that two transactions never wait for each other in a cycle.
create function ecart_reading_summaries_refresh(sps text[], keys bigint[]) returns void
language plpgsql as $$
begin
  perform 1 from reading_summaries s join unnest(sps, keys) as k(sp, mk)
      on s.service_point_id = k.sp and s.meter_key = k.mk
    order by s.service_point_id, s.meter_key
    for update of s;
  insert into reading_summaries as s (service_point_id, meter_key, seen_date, first_id, first_date,
                                      first_index, last_id, last_date, last_index)
  select k.sp, k.mk, sd.seen, f.id, f.reading_date, f.index_m3, l.id, l.reading_date, l.index_m3
    from (select distinct u.sp, u.mk from unnest(sps, keys) as u(sp, mk)) k
    cross join lateral (select max(r.reading_date) as seen from readings r
                         where r.service_point_id = k.sp and coalesce(r.meter_id, 0) = k.mk) sd
    left join lateral (select r.id, r.reading_date, r.index_m3 from reading_states r
                        where r.service_point_id = k.sp and coalesce(r.meter_id, 0) = k.mk
                          and r.effective_status = 'VALID'
                        order by r.reading_date, r.id limit 1) f on true
    left join lateral (select r.id, r.reading_date, r.index_m3 from reading_states r
                        where r.service_point_id = k.sp and coalesce(r.meter_id, 0) = k.mk
                          and r.effective_status = 'VALID'
                        order by r.reading_date desc, r.id desc limit 1) l on true
   where sd.seen is not null
   order by k.sp, k.mk
  on conflict (service_point_id, meter_key) do update
    set seen_date = excluded.seen_date,
        first_id = excluded.first_id, first_date = excluded.first_date, first_index = excluded.first_index,
        last_id = excluded.last_id, last_date = excluded.last_date, last_index = excluded.last_index;
end;
$$;

-- After readings are inserted: each meter's latest date and first and last VALID reading merged with the
-- statement's new readings (a new reading is VALID now when its status is: nothing confirms or replaces it
-- yet); then the meters whose readings the statement replaced (corrections) computed again.
create function ecart_reading_summaries_readings() returns trigger language plpgsql as $$
declare
  sps text[];
  keys bigint[];
begin
  insert into reading_summaries as s (service_point_id, meter_key, seen_date, first_id, first_date,
                                      first_index, last_id, last_date, last_index)
  select g.sp, g.mk, g.seen, f.id, f.reading_date, f.index_m3, l.id, l.reading_date, l.index_m3
    from (select n.service_point_id as sp, coalesce(n.meter_id, 0) as mk, max(n.reading_date) as seen
            from new_readings n group by 1, 2) g
    left join (select distinct on (n.service_point_id, coalesce(n.meter_id, 0))
                      n.service_point_id as sp, coalesce(n.meter_id, 0) as mk, n.id, n.reading_date, n.index_m3
                 from new_readings n where n.status = 'VALID'
                order by n.service_point_id, coalesce(n.meter_id, 0), n.reading_date, n.id) f
      on f.sp = g.sp and f.mk = g.mk
    left join (select distinct on (n.service_point_id, coalesce(n.meter_id, 0))
                      n.service_point_id as sp, coalesce(n.meter_id, 0) as mk, n.id, n.reading_date, n.index_m3
                 from new_readings n where n.status = 'VALID'
                order by n.service_point_id, coalesce(n.meter_id, 0), n.reading_date desc, n.id desc) l
      on l.sp = g.sp and l.mk = g.mk
   order by g.sp, g.mk
  on conflict (service_point_id, meter_key) do update
    set seen_date = greatest(s.seen_date, excluded.seen_date),
        (first_id, first_date, first_index) =
          (select x.id, x.d, x.i from (values (s.first_id, s.first_date, s.first_index),
                                              (excluded.first_id, excluded.first_date, excluded.first_index)) x(id, d, i)
            where x.id is not null order by x.d, x.id limit 1),
        (last_id, last_date, last_index) =
          (select x.id, x.d, x.i from (values (s.last_id, s.last_date, s.last_index),
                                             (excluded.last_id, excluded.last_date, excluded.last_index)) x(id, d, i)
            where x.id is not null order by x.d desc, x.id desc limit 1);
  if exists (select 1 from new_readings n where n.replaces_id is not null) then
    select array_agg(k.sp), array_agg(k.mk) into sps, keys from (
      select n.service_point_id as sp, coalesce(n.meter_id, 0) as mk
        from new_readings n where n.replaces_id is not null
      union
      select r.service_point_id, coalesce(r.meter_id, 0)
        from new_readings n join readings r on r.id = n.replaces_id) k;
    perform ecart_reading_summaries_refresh(sps, keys);
  end if;
  return null;
end;
$$;

-- After readings are confirmed: their meters computed again (a confirmed SUSPECT reading is VALID now).
create function ecart_reading_summaries_confirmations() returns trigger language plpgsql as $$
declare
  sps text[];
  keys bigint[];
begin
  select array_agg(k.sp), array_agg(k.mk) into sps, keys from (
    select distinct r.service_point_id as sp, coalesce(r.meter_id, 0) as mk
      from new_confirmations n join readings r on r.id = n.reading_id) k;
  perform ecart_reading_summaries_refresh(sps, keys);
  return null;
end;
$$;

-- The readings of a service point on up to three dates (null: none), with their status now, newest first, as
-- json (the move-in facts' and the termination's readings of the dates a termination can take). A
-- function, so that the dates are parameters of its own statement, whose plan PostgreSQL prunes to their
-- months at executor start; a statement reading them with dates from its own subqueries would set up a
-- scan of every partition at each execution.
create function ecart_readings_on(sp text, d1 date, d2 date, d3 date) returns json
language plpgsql stable as $$
begin
  return (select coalesce(json_agg(x order by x.id desc), '[]'::json) from (
    select d.id, d.reading_date::text as date, d.index_m3 as index, d.effective_status as status, d.meter_id, d.type
      from reading_states d
     where d.service_point_id = sp and d.reading_date in (d1, d2, d3)) x);
end;
$$;

-- Fired after `readings_references` (triggers of one event fire in name order), which records the
-- statement's replacements that the refresh reads.
create trigger readings_summaries after insert on readings
  referencing new table as new_readings
  for each statement execute function ecart_reading_summaries_readings();
create trigger reading_confirmations_summaries after insert on reading_confirmations
  referencing new table as new_confirmations
  for each statement execute function ecart_reading_summaries_confirmations();

-- The statement triggers every partition carries (900's, and the summaries'): a statement naming a
-- partition fires that partition's statement triggers, not `readings`'.
create or replace function ecart_readings_guards(part text) returns void language plpgsql as $$
begin
  execute format('create trigger readings_no_truncate before truncate on %I
    for each statement execute function ecart_append_only()', part);
  execute format('create trigger readings_references after insert on %I
    referencing new table as new_readings for each statement execute function ecart_readings_references()', part);
  execute format('create trigger readings_summaries after insert on %I
    referencing new table as new_readings for each statement execute function ecart_reading_summaries_readings()', part);
end;
$$;
do $$
declare
  part text;
begin
  for part in select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
               where i.inhparent = 'readings'::regclass loop
    execute format('create trigger readings_summaries after insert on %I
      referencing new table as new_readings for each statement execute function ecart_reading_summaries_readings()', part);
  end loop;
end;
$$;

-- The summaries of the readings already there.
select ecart_reading_summaries_refresh(array_agg(k.sp), array_agg(k.mk))
  from (select distinct r.service_point_id as sp, coalesce(r.meter_id, 0) as mk from readings r) k;
