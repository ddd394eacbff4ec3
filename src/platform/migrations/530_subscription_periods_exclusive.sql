-- Two subscriptions of one service point never cover the same day. A period is [start_date, end_date):
-- the successor may start on the day its predecessor ended; an open subscription runs on without end.
-- The commands check it first, under the service point's lock, and refuse in French
-- (insertSubscription: DATE_BEFORE_TERMINATION or PREDECESSOR_NOT_TERMINATED; the sweep leaves such a
-- case to the back office); these triggers make the database itself refuse any other writer (a script,
-- a bug): SQLSTATE 23P01, answered as CONFLICT.
-- Checked once per statement over its new rows (index subscriptions_sp_end finds each one's neighbours)
-- rather than by an `exclude using gist` constraint: measured on the deadline sweep, the gist index
-- (btree_gist) cost about 100 µs of PostgreSQL CPU per subscription inserted, half again the sweep's
-- whole cost per case. What a per-statement check cannot see is a concurrent writer's uncommitted row:
-- the commands serialise on the service point's row lock for that.
create function ecart_subscription_periods_exclusive() returns trigger language plpgsql as $$
declare
  hit record;
begin
  select n.id as a, s.id as b, n.service_point_id as sp into hit
    from new_subscriptions n
    join subscriptions s on s.service_point_id = n.service_point_id and s.id <> n.id
   where daterange(s.start_date, s.end_date, '[)') && daterange(n.start_date, n.end_date, '[)')
   limit 1;
  if found then
    raise exception 'OVERLAP: subscription % would cover days of subscription % at service point %',
      hit.a, hit.b, hit.sp using errcode = '23P01';
  end if;
  return null;
end;
$$;

-- A trigger with a transition table has one event: one for inserts, one for updates.
create trigger subscriptions_periods_inserted after insert on subscriptions
  referencing new table as new_subscriptions
  for each statement execute function ecart_subscription_periods_exclusive();
create trigger subscriptions_periods_updated after update on subscriptions
  referencing new table as new_subscriptions
  for each statement execute function ecart_subscription_periods_exclusive();
