-- R13 counts kept as the data changes (docs/decisions.md, "Report counts at scale"): cases by entity and the
-- new customers' total read a few rows per Europe/Paris day instead of every case or subscription.
-- Storage only: the triggers bucket rows by day and key, the reports (src/reports/counts.ts) decide what to count.
--
-- Each statement that writes cases or subscriptions appends its net change to a *_changes table (insert
-- only: commands never wait on each other for a shared counter row); the report folds the changes into
-- the *_counts table now and then and always reads counts + pending changes, so it is exact at any time.

create table case_counts (
  day     date not null,
  entity  text not null,
  type    text not null,
  status  text not null,
  n       bigint not null,
  primary key (day, entity, type, status)
);
create table case_count_changes (
  day     date not null,
  entity  text not null,
  type    text not null,
  status  text not null,
  n       bigint not null
);

create table subscription_counts (
  day           date not null,
  entity        text not null,
  start_source  text not null,
  given         boolean not null,
  n             bigint not null,
  primary key (day, entity, start_source, given)
);
create table subscription_count_changes (
  day           date not null,
  entity        text not null,
  start_source  text not null,
  given         boolean not null,
  n             bigint not null
);

comment on table case_counts is 'derived: counts of cases by Paris day of created_at, entity, type, status';
comment on table case_count_changes is 'derived: changes to case_counts not folded yet';
comment on table subscription_counts is 'derived: counts of subscriptions by Paris day of created_at, entity, start source, given';
comment on table subscription_count_changes is 'derived: changes to subscription_counts not folded yet';

-- +1 per new row, -1 per old row, netted per key (a statement that changes no key adds nothing).
-- Transition tables need one trigger per event; each names only the tables its event has.
create function case_counts_insert() returns trigger language plpgsql as $$
begin
  insert into case_count_changes (day, entity, type, status, n)
  select (created_at at time zone 'Europe/Paris')::date, entity, type, status, count(*)
    from new_rows group by 1, 2, 3, 4;
  return null;
end $$;
create function case_counts_update() returns trigger language plpgsql as $$
begin
  insert into case_count_changes (day, entity, type, status, n)
  select day, entity, type, status, sum(n)
    from (
      select (created_at at time zone 'Europe/Paris')::date as day, entity, type, status, 1 as n from new_rows
      union all
      select (created_at at time zone 'Europe/Paris')::date, entity, type, status, -1 from old_rows
    ) x
   group by day, entity, type, status
  having sum(n) <> 0;
  return null;
end $$;
create function case_counts_delete() returns trigger language plpgsql as $$
begin
  insert into case_count_changes (day, entity, type, status, n)
  select (created_at at time zone 'Europe/Paris')::date, entity, type, status, -count(*)
    from old_rows group by 1, 2, 3, 4;
  return null;
end $$;
create function case_counts_truncate() returns trigger language plpgsql as $$
begin
  truncate case_counts, case_count_changes;
  return null;
end $$;

create trigger cases_count_insert after insert on cases
  referencing new table as new_rows for each statement execute function case_counts_insert();
create trigger cases_count_update after update on cases
  referencing old table as old_rows new table as new_rows for each statement execute function case_counts_update();
create trigger cases_count_delete after delete on cases
  referencing old table as old_rows for each statement execute function case_counts_delete();
create trigger cases_count_truncate after truncate on cases
  for each statement execute function case_counts_truncate();

create function subscription_counts_insert() returns trigger language plpgsql as $$
begin
  insert into subscription_count_changes (day, entity, start_source, given, n)
  select (created_at at time zone 'Europe/Paris')::date, entity, start_source, created_by = 'given', count(*)
    from new_rows group by 1, 2, 3, 4;
  return null;
end $$;
create function subscription_counts_update() returns trigger language plpgsql as $$
begin
  insert into subscription_count_changes (day, entity, start_source, given, n)
  select day, entity, start_source, given, sum(n)
    from (
      select (created_at at time zone 'Europe/Paris')::date as day, entity, start_source,
             created_by = 'given' as given, 1 as n
        from new_rows
      union all
      select (created_at at time zone 'Europe/Paris')::date, entity, start_source, created_by = 'given', -1
        from old_rows
    ) x
   group by day, entity, start_source, given
  having sum(n) <> 0;
  return null;
end $$;
create function subscription_counts_delete() returns trigger language plpgsql as $$
begin
  insert into subscription_count_changes (day, entity, start_source, given, n)
  select (created_at at time zone 'Europe/Paris')::date, entity, start_source, created_by = 'given', -count(*)
    from old_rows group by 1, 2, 3, 4;
  return null;
end $$;
create function subscription_counts_truncate() returns trigger language plpgsql as $$
begin
  truncate subscription_counts, subscription_count_changes;
  return null;
end $$;

create trigger subscriptions_count_insert after insert on subscriptions
  referencing new table as new_rows for each statement execute function subscription_counts_insert();
create trigger subscriptions_count_update after update on subscriptions
  referencing old table as old_rows new table as new_rows for each statement execute function subscription_counts_update();
create trigger subscriptions_count_delete after delete on subscriptions
  referencing old table as old_rows for each statement execute function subscription_counts_delete();
create trigger subscriptions_count_truncate after truncate on subscriptions
  for each statement execute function subscription_counts_truncate();

-- The rows already there.
insert into case_counts (day, entity, type, status, n)
select (created_at at time zone 'Europe/Paris')::date, entity, type, status, count(*)
  from cases group by 1, 2, 3, 4;
insert into subscription_counts (day, entity, start_source, given, n)
select (created_at at time zone 'Europe/Paris')::date, entity, start_source, created_by = 'given', count(*)
  from subscriptions group by 1, 2, 3, 4;
