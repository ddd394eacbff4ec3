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
-- (commands, the sweep, the reference import, a script). Correct under concurrent writers: a refresh
-- first locks the service points' rows (in id order), then reads in a statement of its own, whose
-- snapshot (READ COMMITTED) holds every transaction that held those locks before it.

alter table service_points
  add column predecessor_facts json,
  add column meter_facts json not null default '[]';

-- Each fact computed again for these service points, after their rows' locks; a row whose fact is the
-- same is left as it is. Neither fact is indexed, and pages keep room (fillfactor below): the updates
-- are heap-only, with no index entry written (service_points has a trigram index on owner_name). What
-- a refresh costs is the new row versions: about 20–40 µs a service point whose fact changed, 9 µs one
-- whose fact is the same (20,000 service points, one statement); the reference import of meters writes
-- one per service point (docs/performance.md).

/** The latest ended subscription of each service point (SPEC §6), as the check reads it. */
create function ecart_refresh_predecessor_facts(ids text[]) returns void language plpgsql as $$
begin
  if coalesce(cardinality(ids), 0) = 0 then return; end if;
  perform 1 from service_points where id = any(ids) order by id for no key update;
  update service_points sp set predecessor_facts = f.facts
    from (select u.id, (select row_to_json(x) from (
                          select s.id, s.end_date::text as end_date, s.end_index from subscriptions s
                           where s.service_point_id = u.id and s.end_date is not null
                           order by s.end_date desc, s.created_at desc limit 1) x) as facts
            from unnest(ids) as u(id)) f
   where sp.id = f.id and sp.predecessor_facts::text is distinct from f.facts::text;
end $$;

/** The meters of each service point, by id, as the check reads them. */
create function ecart_refresh_meter_facts(ids text[]) returns void language plpgsql as $$
begin
  if coalesce(cardinality(ids), 0) = 0 then return; end if;
  perform 1 from service_points where id = any(ids) order by id for no key update;
  update service_points sp set meter_facts = f.facts
    from (select u.id, (select coalesce(json_agg(x order by x.id), '[]'::json) from (
                          select m.id, m.serial, m.digits, m.installed_on::text as installed_on, m.start_index,
                                 m.removed_on::text as removed_on
                            from meters m where m.service_point_id = u.id) x) as facts
            from unnest(ids) as u(id)) f
   where sp.id = f.id and sp.meter_facts::text is distinct from f.facts::text;
end $$;

alter table service_points set (fillfactor = 70);

-- The service points of the subscriptions whose ended period changed (inserted, updated or deleted
-- rows that are or were ended; a row left as it was in these columns changes nothing).
create function ecart_subscriptions_facts() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    perform ecart_refresh_predecessor_facts(array(
      select distinct service_point_id from new_rows where end_date is not null));
  elsif tg_op = 'DELETE' then
    perform ecart_refresh_predecessor_facts(array(
      select distinct service_point_id from old_rows where end_date is not null));
  else
    perform ecart_refresh_predecessor_facts(array(
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
    perform ecart_refresh_meter_facts(array(select distinct service_point_id from new_rows));
  elsif tg_op = 'DELETE' then
    perform ecart_refresh_meter_facts(array(select distinct service_point_id from old_rows));
  else
    perform ecart_refresh_meter_facts(array(
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
select ecart_refresh_predecessor_facts(array(
  select distinct service_point_id from subscriptions where end_date is not null));
select ecart_refresh_meter_facts(array(select distinct service_point_id from meters));
