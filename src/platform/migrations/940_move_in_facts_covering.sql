-- Issue 18, point 3: the move-in facts read a service point's meters and its latest ended subscription from
-- their indexes alone (index-only scans), with no visit to the tables' pages. At 1M service points the
-- tables outgrow PostgreSQL's buffers and each page visited is most often a read from the system's cache:
-- two of the check's six such reads per request were these two tables' rows (docs/decisions.md, "The
-- move-in facts' statement is flat"). Meters and ended subscriptions rarely change, so their pages stay
-- all-visible once vacuumed, which index-only scans need.
--
-- The new indexes replace the old ones (their key columns come first, in the same order): every query that
-- used `meters_service_point` or `subscriptions_sp_end` (the subscriptions' exclusion check of 530, the
-- current meter, the service point's subscriptions) can use them alike. The subscriptions' index orders by
-- creation after the end date, the predecessor's order (SPEC §6), which PostgreSQL then no longer sorts.
create index meters_service_point_covering on meters (service_point_id)
  include (id, serial, digits, installed_on, start_index, removed_on);
drop index meters_service_point;

create index subscriptions_sp_end_created on subscriptions (service_point_id, end_date, created_at)
  include (id, end_index);
drop index subscriptions_sp_end;
