-- Indexes for the R13 reports at scale (docs/performance.md). Indexes only: no table or column changes.
-- The reports filter on the Europe/Paris calendar day of a timestamptz: timezone(text, timestamptz) is
-- immutable, so the day can be indexed as an expression and the period filters use it.

-- Cases by entity over a period: an index-only scan of the period's cases, already grouped.
create index if not exists cases_paris_day_entity_type_status
  on cases (((created_at at time zone 'Europe/Paris')::date), entity, type, status);
-- Cases by entity over the whole history: an index-only scan instead of reading the table.
create index if not exists cases_entity_type_status on cases (entity, type, status);

-- New customers, newest first: the first page reads 50 index entries instead of sorting every subscription.
create index if not exists subscriptions_created_desc on subscriptions (created_at desc, id);
create index if not exists subscriptions_entity_created_desc on subscriptions (entity, created_at desc, id);
create index if not exists subscriptions_paris_day on subscriptions (((created_at at time zone 'Europe/Paris')::date));

-- Intermediate consumption, latest first, and over a period.
create index if not exists intermediate_consumptions_to_date on intermediate_consumptions (to_date desc, case_id);
