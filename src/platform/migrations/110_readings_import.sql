-- Bulk import of readings (docs/readings-import.md).
-- A service point's meters by index: the import loads the histories of thousands of service points in
-- one query per batch, which scanned every meter for each of them without it.
create index meters_service_point on meters(service_point_id);

-- The same ids as ecart_next_id('RDG-', 'reading_seq', 9) (002: at least 9 digits, never truncated),
-- written inline: a COPY evaluates the default once per row, and a call to the SQL function cost more
-- than the rest of the row's load. format('%9s') pads with spaces to 9 characters and never cuts.
alter table readings alter column id set default ('RDG-' || replace(format('%9s', nextval('reading_seq')), ' ', '0'));
