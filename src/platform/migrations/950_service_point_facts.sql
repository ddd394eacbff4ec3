-- Issue 18, point 3: one row per service point holds what the move-in check read of it from four
-- tables, each a probe of its own (docs/decisions.md, "The move-in facts in one row per service point"):
--   address, owner_name: the service point's, as `service_points` has them;
--   predecessor:         its latest ended subscription (SPEC §6: latest end date, then latest created;
--                        then the greatest id, where a batch gave several the same creation time),
--                        as {id, end_date, end_index}, or null;
--   meters:              its meters, as [{id, serial, digits, installed_on, start_index, removed_on}] by id.
-- At 1M service points each probe is, most often, a page read from outside PostgreSQL's buffers; the
-- check now reads this row and its readings' summaries. A table of its own, not columns of
-- `service_points`: that table stays as narrow as it was for everything else that reads it.
--
-- Derived, never written by the application: statement triggers on `service_points`, `subscriptions` and
-- `meters` keep it, whatever the writer (commands, the sweep, the reference import, a script). Correct
-- under concurrent writers: a refresh first locks the rows it recomputes (in service point order), then
-- reads in a statement of its own, whose snapshot (READ COMMITTED) holds every transaction that held
-- those locks before it.

create table service_point_facts (
  service_point_id text primary key references service_points(id),
  address          text not null,
  owner_name       text,
  predecessor      json,
  meters           json not null default '[]'
) with (fillfactor = 70);
comment on table service_point_facts is
  'derived: one row per service point, kept by triggers on service_points, subscriptions and meters (migration 950)';

-- A row whose fact comes out the same is not written. No fact is indexed, and pages keep room
-- (fillfactor): the updates are heap-only. What a refresh costs is the new row versions (about 20–40 µs
-- a service point whose fact changed, 9 µs one whose fact is the same; docs/performance.md).

/**
 * Locks the facts' rows of these service points, in service point order (two refreshes never wait on
 * each other in a cycle); false when there are none to refresh.
 */
create function ecart_lock_service_point_facts(ids text[]) returns boolean language plpgsql as $$
begin
  if coalesce(cardinality(ids), 0) = 0 then return false; end if;
  perform 1 from service_point_facts where service_point_id = any(ids) order by service_point_id
    for no key update;
  return true;
end $$;

/** The latest ended subscription of each service point (SPEC §6), as the check reads it. */
create function ecart_refresh_predecessor_facts(ids text[]) returns void language plpgsql as $$
begin
  if not ecart_lock_service_point_facts(ids) then return; end if;
  update service_point_facts f set predecessor = n.facts
    from (select u.id, (select row_to_json(x) from (
                          select s.id, s.end_date::text as end_date, s.end_index from subscriptions s
                           where s.service_point_id = u.id and s.end_date is not null
                           order by s.end_date desc, s.created_at desc, s.id desc limit 1) x) as facts
            from unnest(ids) as u(id)) n
   where f.service_point_id = n.id and f.predecessor::text is distinct from n.facts::text;
end $$;

/** The meters of each service point, by id, as the check reads them. */
create function ecart_refresh_meter_facts(ids text[]) returns void language plpgsql as $$
begin
  if not ecart_lock_service_point_facts(ids) then return; end if;
  update service_point_facts f set meters = n.facts
    from (select u.id, (select coalesce(json_agg(x order by x.id), '[]'::json) from (
                          select m.id, m.serial, m.digits, m.installed_on::text as installed_on, m.start_index,
                                 m.removed_on::text as removed_on
                            from meters m where m.service_point_id = u.id) x) as facts
            from unnest(ids) as u(id)) n
   where f.service_point_id = n.id and f.meters::text is distinct from n.facts::text;
end $$;

-- A new service point has no subscription or meter yet (they reference it): its row is its own columns.
-- An address or owner changed is copied; the id cannot change, nor a service point be deleted (520).
create function ecart_service_points_facts() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into service_point_facts (service_point_id, address, owner_name)
    select id, address, owner_name from new_rows;
  else
    update service_point_facts f set address = n.address, owner_name = n.owner_name
      from new_rows n
     where f.service_point_id = n.id
       and (f.address, f.owner_name) is distinct from (n.address, n.owner_name);
  end if;
  return null;
end $$;

-- The service points of the statement's rows: for subscriptions, those that are or were ended (an open
-- subscription inserted by the sweep computes nothing). A refresh whose fact comes out the same writes
-- nothing, so an update that leaves these columns as they were costs only the reading.
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
      select service_point_id from new_rows where end_date is not null
      union select service_point_id from old_rows where end_date is not null));
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
      select service_point_id from new_rows union select service_point_id from old_rows));
  end if;
  return null;
end $$;

create function ecart_subscriptions_truncated_facts() returns trigger language plpgsql as $$
begin
  update service_point_facts set predecessor = null where predecessor is not null;
  return null;
end $$;

create trigger service_points_facts_insert after insert on service_points
  referencing new table as new_rows for each statement execute function ecart_service_points_facts();
create trigger service_points_facts_update after update on service_points
  referencing new table as new_rows for each statement execute function ecart_service_points_facts();
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
insert into service_point_facts (service_point_id, address, owner_name)
select id, address, owner_name from service_points;
select ecart_refresh_predecessor_facts(array(
  select distinct service_point_id from subscriptions where end_date is not null));
select ecart_refresh_meter_facts(array(select distinct service_point_id from meters));
