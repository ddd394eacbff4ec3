-- Issue 18, point 3: how many readings of each meter are SUSPECT now, so that the move-in check can tell
-- without reading `readings` that none of a service point's readings is (docs/decisions.md, "Reading
-- summaries"). The check's statement calls `ecart_readings_on` (910) for the readings of the termination's
-- dates, and measured with pgbench that call is half of PostgreSQL's cost of the statement (its generic
-- plan sets up every monthly partition). Their status is read there only to warn of a SUSPECT termination
-- reading: with no SUSPECT reading at the service point the answer is known, and the call is skipped
-- (src/move-in/store.ts `terminationColumns`).
--
-- `suspect_count`: the meter's readings whose status now (`reading_states.effective_status`) is SUSPECT —
-- entered SUSPECT, not replaced, not confirmed. Kept as 910 and 920 keep the rest of the row, and exact:
-- - readings inserted: each new SUSPECT reading adds one (a new reading is neither replaced nor confirmed
--   yet; a confirmation names a reading already there), on 920's fast path and on its grouped retry alike;
-- - readings replaced (a correction) or confirmed: their meters are refreshed by
--   `ecart_reading_summaries_refresh`, which now counts them again too, after locking their summary rows
--   (a concurrent insert adds to the count it wrote, or is counted by it, never both nor neither).
-- No other statement writes `reading_summaries`. 920's lock order, fast path and grouped retry are kept
-- as they were; only the new column is added to each statement.
alter table reading_summaries add column suspect_count bigint not null default 0;
comment on column reading_summaries.suspect_count is
  'derived: readings of the meter SUSPECT now (status SUSPECT, not replaced, not confirmed)';

-- 910's refresh, its count of SUSPECT readings read in the same scan as the latest date. The filter tests
-- the stored status first, so the view's replacement and confirmation probes run for SUSPECT rows only.
create or replace function ecart_reading_summaries_refresh(sps text[], keys bigint[]) returns void
language plpgsql as $$
begin
  perform 1 from reading_summaries s join unnest(sps, keys) as k(sp, mk)
      on s.service_point_id = k.sp and s.meter_key = k.mk
    order by s.service_point_id, s.meter_key
    for update of s;
  insert into reading_summaries as s (service_point_id, meter_key, seen_date, first_id, first_date,
                                      first_index, last_id, last_date, last_index, suspect_count)
  select k.sp, k.mk, sd.seen, f.id, f.reading_date, f.index_m3, l.id, l.reading_date, l.index_m3, sd.suspects
    from (select distinct u.sp, u.mk from unnest(sps, keys) as u(sp, mk)) k
    cross join lateral (select max(r.reading_date) as seen,
                               count(*) filter (where r.status = 'SUSPECT' and r.effective_status = 'SUSPECT')
                                 as suspects
                          from reading_states r
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
        last_id = excluded.last_id, last_date = excluded.last_date, last_index = excluded.last_index,
        suspect_count = excluded.suspect_count;
end;
$$;

-- 920's trigger function, each meter's SUSPECT readings of the statement added to its count.
create or replace function ecart_reading_summaries_readings() returns trigger language plpgsql as $$
declare
  sps text[];
  keys bigint[];
  grouped boolean := false;
begin
  loop
    begin
      insert into reading_summaries as s (service_point_id, meter_key, seen_date, first_id, first_date,
                                          first_index, last_id, last_date, last_index, suspect_count)
      select c.* from (
        -- Each meter once in the statement: each row is its meter's latest, first and last reading.
        select n.service_point_id as sp, coalesce(n.meter_id, 0) as mk, n.reading_date as seen,
               v.id as first_id, v.reading_date as first_date, v.index_m3 as first_index,
               v.id as last_id, v.reading_date as last_date, v.index_m3 as last_index,
               (n.status = 'SUSPECT')::int as suspects
          from new_readings n
          left join lateral (select n.id, n.reading_date, n.index_m3 where n.status = 'VALID') v on true
         where not grouped
        union all
        -- A meter met twice: its rows grouped (910).
        select g.sp, g.mk, g.seen, f.id, f.reading_date, f.index_m3, l.id, l.reading_date, l.index_m3, g.suspects
          from (select n.service_point_id as sp, coalesce(n.meter_id, 0) as mk, max(n.reading_date) as seen,
                       count(*) filter (where n.status = 'SUSPECT') as suspects
                  from new_readings n where grouped group by 1, 2) g
          left join (select distinct on (n.service_point_id collate "C", coalesce(n.meter_id, 0))
                            n.service_point_id as sp, coalesce(n.meter_id, 0) as mk, n.id, n.reading_date, n.index_m3
                       from new_readings n where grouped and n.status = 'VALID'
                      order by n.service_point_id collate "C", coalesce(n.meter_id, 0), n.reading_date, n.id) f
            on f.sp = g.sp and f.mk = g.mk
          left join (select distinct on (n.service_point_id collate "C", coalesce(n.meter_id, 0))
                            n.service_point_id as sp, coalesce(n.meter_id, 0) as mk, n.id, n.reading_date, n.index_m3
                       from new_readings n where grouped and n.status = 'VALID'
                      order by n.service_point_id collate "C", coalesce(n.meter_id, 0), n.reading_date desc, n.id desc) l
            on l.sp = g.sp and l.mk = g.mk) c
       order by c.sp, c.mk
      on conflict (service_point_id, meter_key) do update
        set seen_date = greatest(s.seen_date, excluded.seen_date),
            (first_id, first_date, first_index) = (
              case when s.first_id is null or (excluded.first_id is not null
                        and (excluded.first_date, excluded.first_id) < (s.first_date, s.first_id))
                   then excluded.first_id else s.first_id end,
              case when s.first_id is null or (excluded.first_id is not null
                        and (excluded.first_date, excluded.first_id) < (s.first_date, s.first_id))
                   then excluded.first_date else s.first_date end,
              case when s.first_id is null or (excluded.first_id is not null
                        and (excluded.first_date, excluded.first_id) < (s.first_date, s.first_id))
                   then excluded.first_index else s.first_index end),
            (last_id, last_date, last_index) = (
              case when s.last_id is null or (excluded.last_id is not null
                        and (excluded.last_date, excluded.last_id) > (s.last_date, s.last_id))
                   then excluded.last_id else s.last_id end,
              case when s.last_id is null or (excluded.last_id is not null
                        and (excluded.last_date, excluded.last_id) > (s.last_date, s.last_id))
                   then excluded.last_date else s.last_date end,
              case when s.last_id is null or (excluded.last_id is not null
                        and (excluded.last_date, excluded.last_id) > (s.last_date, s.last_id))
                   then excluded.last_index else s.last_index end),
            suspect_count = s.suspect_count + excluded.suspect_count;
      exit;
    exception when cardinality_violation then
      -- A meter met twice in the statement (the insert above was rolled back): once more, grouped.
      if grouped then
        raise;
      end if;
      grouped := true;
    end;
  end loop;
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

-- The counts of the readings already there.
update reading_summaries s set suspect_count = c.n
  from (select r.service_point_id as sp, coalesce(r.meter_id, 0) as mk, count(*) as n
          from reading_states r
         where r.status = 'SUSPECT' and r.effective_status = 'SUSPECT'
         group by 1, 2) c
 where s.service_point_id = c.sp and s.meter_key = c.mk;
