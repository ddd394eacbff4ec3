-- Readings' references checked once per statement, not once per row (docs/decisions.md, "readings'
-- references checked per statement").
--
-- A foreign key checks each inserted row on its own: one index probe and one row lock (FOR KEY SHARE,
-- which writes the referenced service point's and meter's tuples) per reading and per reference. For a
-- bulk import that was more than half the cost of loading a row. The same three references are now
-- checked by one statement-level trigger over the statement's new rows (a transition table): one
-- anti-join per COPY or INSERT, whatever its size. A reading naming a service point, a meter or a
-- replaced reading that does not exist is refused as before (SQLSTATE 23503, foreign_key_violation).
--
-- A foreign key's row lock is what stops a concurrent delete of the referenced row; without it, the
-- referenced rows must not disappear at all: readings were already append-only (001), and service points
-- and meters are now too (nothing in Écart deletes them or changes their id; a meter is replaced by
-- another, never removed from the table).

alter table readings drop constraint readings_service_point_id_fkey;
alter table readings drop constraint readings_meter_id_fkey;
alter table readings drop constraint readings_replaces_id_fkey;

create function ecart_readings_references() returns trigger language plpgsql as $$
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
  select n.replaces_id into missing from new_readings n
   where n.replaces_id is not null and not exists (select 1 from readings r where r.id = n.replaces_id) limit 1;
  if found then
    raise exception 'reading replaces an unknown reading: %', missing
      using errcode = '23503', table = 'readings', column = 'replaces_id';
  end if;
  return null;
end;
$$;

create trigger readings_references after insert on readings
  referencing new table as new_readings
  for each statement execute function ecart_readings_references();

-- What the foreign keys' row locks protected: the referenced rows stay (and keep their ids).
create function ecart_kept_referenced() returns trigger language plpgsql as $$
begin
  raise exception 'KEPT: % rows are never deleted, nor their ids changed (readings refer to them)', tg_table_name
    using errcode = 'P0001';
end;
$$;

create trigger service_points_kept before delete on service_points
  for each row execute function ecart_kept_referenced();
create trigger service_points_id_kept before update of id on service_points
  for each row when (old.id is distinct from new.id) execute function ecart_kept_referenced();
create trigger service_points_no_truncate before truncate on service_points
  for each statement execute function ecart_kept_referenced();
create trigger meters_kept before delete on meters
  for each row execute function ecart_kept_referenced();
create trigger meters_id_kept before update of id on meters
  for each row when (old.id is distinct from new.id) execute function ecart_kept_referenced();
create trigger meters_no_truncate before truncate on meters
  for each statement execute function ecart_kept_referenced();
