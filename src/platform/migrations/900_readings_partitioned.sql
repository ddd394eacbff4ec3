-- Issue 18, point 1: `readings` partitioned by month of `reading_date` (docs/decisions.md, "Readings
-- partitioned by month"). An import appends to one month's partition, whose indexes stay small and in
-- cache however large the history grows; a query naming a date range reads only its months.
--
-- PostgreSQL requires every unique constraint of a partitioned table to include the partition key, so:
-- - the primary key becomes (id, reading_date); an id stays unique because only `reading_seq` makes
--   them (no code supplies one);
-- - the import key's unique index already led with (service_point_id, reading_date) (521);
-- - "a reading is replaced at most once" (the unique `replaces_id`) moves to `reading_replacements`, one
--   row per replaced reading, written by the statement-level trigger that checks readings' references;
-- - `reading_confirmations.reading_id` can no longer be a foreign key to `readings(id)`: it is checked
--   per statement as 520 checks readings' own references (readings are append-only: the confirmed
--   reading cannot go away).
-- The append-only guards are kept on every partition: the row trigger refusing UPDATE and DELETE is
-- declared on `readings` and cloned by PostgreSQL to each partition; TRUNCATE and the references check
-- are statement triggers, which PostgreSQL does not clone, so `ecart_readings_partition` creates them on
-- each partition it makes (a statement naming a partition fires that partition's triggers only).
-- The conversion copies every row into the new table and refuses to finish if a count differs.

drop view reading_states;
alter table reading_confirmations drop constraint reading_confirmations_reading_id_fkey;
alter table readings rename to readings_unpartitioned;
alter table readings_unpartitioned drop constraint readings_pkey;
alter table readings_unpartitioned drop constraint readings_replaces_id_key;
drop index readings_sp_date;
drop index readings_import_key_sp;

create table readings (
  like readings_unpartitioned including defaults including constraints,
  primary key (id, reading_date)
) partition by range (reading_date);
create index readings_sp_date on readings (service_point_id, reading_date, id);
create unique index readings_import_key_sp on readings (service_point_id, reading_date, import_key)
  where import_key is not null;
-- The readings a correction replaced (the "not replaced" tests of the stores and views).
create index readings_replaces on readings (replaces_id) where replaces_id is not null;

-- A reading is replaced at most once (formerly `replaces_id text unique`).
create table reading_replacements (
  replaces_id  text primary key,
  reading_id   text not null
);
create trigger reading_replacements_append_only before update or delete on reading_replacements
  for each row execute function ecart_append_only();
create trigger reading_replacements_no_truncate before truncate on reading_replacements
  for each statement execute function ecart_append_only();

-- 520's check of the statement's new readings, and now the replacements they record.
create or replace function ecart_readings_references() returns trigger language plpgsql as $$
declare
  missing text;
begin
  select n.service_point_id into missing from new_readings n
   where not exists (select 1 from service_points s where s.id = n.service_point_id) limit 1;
  if found then
    raise exception 'reading refers to an unknown service point: %', missing
      using errcode = '23503', table = 'readings', column = 'service_point_id';
  end if;
  select n.meter_id::text into missing from new_readings n
   where n.meter_id is not null and not exists (select 1 from meters m where m.id = n.meter_id) limit 1;
  if found then
    raise exception 'reading refers to an unknown meter: %', missing
      using errcode = '23503', table = 'readings', column = 'meter_id';
  end if;
  if exists (select 1 from new_readings n where n.replaces_id is not null) then
    select n.replaces_id into missing from new_readings n
     where n.replaces_id is not null and not exists (select 1 from readings r where r.id = n.replaces_id) limit 1;
    if found then
      raise exception 'reading replaces an unknown reading: %', missing
        using errcode = '23503', table = 'readings', column = 'replaces_id';
    end if;
    -- A concurrent replacement of the same reading waits here for the other transaction, then is refused.
    insert into reading_replacements (replaces_id, reading_id)
      select n.replaces_id, n.id from new_readings n where n.replaces_id is not null
      on conflict (replaces_id) do nothing;
    select n.replaces_id into missing from new_readings n
      join reading_replacements x on x.replaces_id = n.replaces_id
     where x.reading_id <> n.id limit 1;
    if found then
      raise exception 'reading % is already replaced', missing
        using errcode = '23505', table = 'readings', column = 'replaces_id',
              constraint = 'reading_replacements_pkey';
    end if;
  end if;
  return null;
end;
$$;

create trigger readings_append_only before update or delete on readings
  for each row execute function ecart_append_only();
create trigger readings_no_truncate before truncate on readings
  for each statement execute function ecart_append_only();
create trigger readings_references after insert on readings
  referencing new table as new_readings
  for each statement execute function ecart_readings_references();

-- The safety net: a reading whose month has no partition yet lands here (see ecart_readings_partition).
create table readings_default partition of readings default;
create trigger readings_no_truncate before truncate on readings_default
  for each statement execute function ecart_append_only();
create trigger readings_references after insert on readings_default
  referencing new table as new_readings
  for each statement execute function ecart_readings_references();

-- The partition of `day`'s month, created with its guards if missing; its name. When the default
-- partition already holds readings of that month (written before the month was prepared), the month
-- stays there ('readings_default' is returned): readings are never moved. Takes a transaction-level
-- advisory lock so that two sessions never create the same partition; creating one locks `readings`
-- briefly, so the product prepares months ahead (ecart_readings_partitions, src/readings/partitions.ts).
create function ecart_readings_partition(day date) returns text language plpgsql as $$
declare
  m date := date_trunc('month', day)::date;
  n date := (date_trunc('month', day) + interval '1 month')::date;
  part text := 'readings_' || to_char(date_trunc('month', day), 'YYYY_MM');
  ns oid := (select c.relnamespace from pg_class c where c.oid = 'readings'::regclass);
  s text := (select nspname from pg_namespace where oid = ns);
begin
  if exists (select 1 from pg_class where relname = part and relnamespace = ns) then
    return part;
  end if;
  perform pg_advisory_xact_lock(7242900);
  if exists (select 1 from pg_class where relname = part and relnamespace = ns) then
    return part;
  end if;
  if exists (select 1 from readings_default where reading_date >= m and reading_date < n) then
    return 'readings_default';
  end if;
  execute format('create table %I.%I partition of readings for values from (%L) to (%L)', s, part, m, n);
  execute format('create trigger readings_no_truncate before truncate on %I.%I
    for each statement execute function ecart_append_only()', s, part);
  execute format('create trigger readings_references after insert on %I.%I
    referencing new table as new_readings for each statement execute function ecart_readings_references()', s, part);
  return part;
end;
$$;

-- The partitions of every month from `first_day`'s to `last_day`'s; how many were created.
create function ecart_readings_partitions(first_day date, last_day date) returns integer language plpgsql as $$
declare
  m date := date_trunc('month', first_day)::date;
  made integer := 0;
  ns oid := (select c.relnamespace from pg_class c where c.oid = 'readings'::regclass);
begin
  while m <= last_day loop
    if not exists (select 1 from pg_class where relname = 'readings_' || to_char(m, 'YYYY_MM') and relnamespace = ns) then
      if ecart_readings_partition(m) <> 'readings_default' then
        made := made + 1;
      end if;
    end if;
    m := (m + interval '1 month')::date;
  end loop;
  return made;
end;
$$;

-- Conversion: a partition for each month holding readings, this month and the three next, then every row.
select ecart_readings_partition(m)
  from (select distinct date_trunc('month', reading_date)::date as m from readings_unpartitioned) months;
select ecart_readings_partitions(current_date, (current_date + interval '3 months')::date);
insert into readings select * from readings_unpartitioned;
do $$
begin
  if (select count(*) from readings) <> (select count(*) from readings_unpartitioned)
     or (select count(*) from readings_default) <> 0 then
    raise exception 'readings conversion: row counts differ, nothing changed';
  end if;
end;
$$;
drop table readings_unpartitioned;
analyze readings;

-- Confirmations name an existing reading (formerly a foreign key).
create function ecart_reading_confirmations_references() returns trigger language plpgsql as $$
declare
  missing text;
begin
  select n.reading_id into missing from new_confirmations n
   where not exists (select 1 from readings r where r.id = n.reading_id) limit 1;
  if found then
    raise exception 'confirmation refers to an unknown reading: %', missing
      using errcode = '23503', table = 'reading_confirmations', column = 'reading_id';
  end if;
  return null;
end;
$$;
create trigger reading_confirmations_references after insert on reading_confirmations
  referencing new table as new_confirmations
  for each statement execute function ecart_reading_confirmations_references();

-- What a reading is now (001), its replacement read from reading_replacements (one probe).
create view reading_states as
select r.*,
  case
    when exists (select 1 from reading_replacements x where x.replaces_id = r.id) then 'REPLACED'
    when exists (select 1 from reading_confirmations k where k.reading_id = r.id) then 'VALID'
    else r.status
  end as effective_status
from readings r;
