-- Issue 18, point 3: a service point's row carries the two facts of its termination that the move-in
-- check read from other tables, each a probe of its own (docs/decisions.md, "A service point's row
-- carries its predecessor and its meters"):
--   predecessor_facts: its latest ended subscription (SPEC §6: latest end date, then latest created),
--                      as {id, end_date, end_index}, or null;
--   meter_facts:       its meters, as [{id, serial, digits, installed_on, start_index, removed_on}] by id.
-- At 1M service points each probe is, most often, a page read from outside PostgreSQL's buffers; the
-- check now reads the service point's row (which it read already) and its readings' summaries.
--
-- Derived, never written by the application: statement triggers on `subscriptions` and `meters` compute
-- them again for the service points whose rows changed in what the facts show, whatever the writer
-- (commands, the sweep, the reference import, a script). Correct under concurrent writers: the refresh
-- first locks the service points' rows (in id order), then reads in a statement of its own, whose
-- snapshot (READ COMMITTED) holds every transaction that held those locks before it.

alter table service_points
  add column predecessor_facts json,
  add column meter_facts json not null default '[]';

/** The latest ended subscription of a service point (SPEC §6), as the check reads it. */
create function ecart_predecessor_facts(sp text) returns json language sql stable as $$
  select row_to_json(x) from (
    select s.id, s.end_date::text as end_date, s.end_index from subscriptions s
     where s.service_point_id = sp and s.end_date is not null
     order by s.end_date desc, s.created_at desc limit 1) x
$$;

/** The meters of a service point, by id, as the check reads them. */
create function ecart_meter_facts(sp text) returns json language sql stable as $$
  select coalesce(json_agg(x order by x.id), '[]'::json) from (
    select m.id, m.serial, m.digits, m.installed_on::text as installed_on, m.start_index,
           m.removed_on::text as removed_on
      from meters m where m.service_point_id = sp) x
$$;

/** Both facts of these service points computed again, after their rows' locks. */
create function ecart_refresh_service_point_facts(ids text[]) returns void language plpgsql as $$
begin
  if coalesce(cardinality(ids), 0) = 0 then return; end if;
  perform 1 from service_points where id = any(ids) order by id for no key update;
  update service_points sp
     set predecessor_facts = ecart_predecessor_facts(sp.id), meter_facts = ecart_meter_facts(sp.id)
   where sp.id = any(ids);
end $$;

-- The service points of the subscriptions whose ended period changed (inserted, updated or deleted
-- rows that are or were ended; a row left as it was in these columns changes nothing).
create function ecart_subscriptions_facts() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    perform ecart_refresh_service_point_facts(array(
      select distinct service_point_id from new_rows where end_date is not null));
  elsif tg_op = 'DELETE' then
    perform ecart_refresh_service_point_facts(array(
      select distinct service_point_id from old_rows where end_date is not null));
  else
    perform ecart_refresh_service_point_facts(array(
      select distinct service_point_id from (
        (select id, service_point_id, end_date, end_index, created_at from new_rows where end_date is not null
         except all
         select id, service_point_id, end_date, end_index, created_at from old_rows where end_date is not null)
        union all
        (select id, service_point_id, end_date, end_index, created_at from old_rows where end_date is not null
         except all
         select id, service_point_id, end_date, end_index, created_at from new_rows where end_date is not null)
      ) changed));
  end if;
  return null;
end $$;

create function ecart_meters_facts() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    perform ecart_refresh_service_point_facts(array(select distinct service_point_id from new_rows));
  elsif tg_op = 'DELETE' then
    perform ecart_refresh_service_point_facts(array(select distinct service_point_id from old_rows));
  else
    perform ecart_refresh_service_point_facts(array(
      select distinct service_point_id from (
        (select id, service_point_id, serial, digits, installed_on, start_index, removed_on from new_rows
         except all
         select id, service_point_id, serial, digits, installed_on, start_index, removed_on from old_rows)
        union all
        (select id, service_point_id, serial, digits, installed_on, start_index, removed_on from old_rows
         except all
         select id, service_point_id, serial, digits, installed_on, start_index, removed_on from new_rows)
      ) changed));
  end if;
  return null;
end $$;

create function ecart_subscriptions_truncated_facts() returns trigger language plpgsql as $$
begin
  update service_points set predecessor_facts = null where predecessor_facts is not null;
  return null;
end $$;

create trigger subscriptions_facts_insert after insert on subscriptions
  referencing new table as new_rows for each statement execute function ecart_subscriptions_facts();
create trigger subscriptions_facts_update after update on subscriptions
  referencing old table as old_rows new table as new_rows for each statement execute function ecart_subscriptions_facts();
create trigger subscriptions_facts_delete after delete on subscriptions
  referencing old table as old_rows for each statement execute function ecart_subscriptions_facts();
create trigger subscriptions_facts_truncate after truncate on subscriptions
  for each statement execute function ecart_subscriptions_truncated_facts();
create trigger meters_facts_insert after insert on meters
  referencing new table as new_rows for each statement execute function ecart_meters_facts();
create trigger meters_facts_update after update on meters
  referencing old table as old_rows new table as new_rows for each statement execute function ecart_meters_facts();
create trigger meters_facts_delete after delete on meters
  referencing old table as old_rows for each statement execute function ecart_meters_facts();

-- The rows already there.
update service_points sp
   set predecessor_facts = ecart_predecessor_facts(sp.id), meter_facts = ecart_meter_facts(sp.id)
 where exists (select 1 from subscriptions s where s.service_point_id = sp.id and s.end_date is not null)
    or exists (select 1 from meters m where m.service_point_id = sp.id);
