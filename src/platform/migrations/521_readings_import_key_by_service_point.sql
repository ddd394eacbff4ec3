-- The import key's uniqueness checked in the service point's and date's order (docs/decisions.md,
-- "readings' references checked per statement" and what follows).
--
-- `import_key` is a hash (src/readings/import-rows.ts: service point, meter, date, index, type): a unique
-- index on it alone receives each imported row at a random place, so a large import touches a random
-- page of a large index for every row. The same key led by its service point and date is inserted
-- where that service point's other readings are (files come by campaign, in service point order), and
-- it refuses the same rows: two rows with one key have the same service point and date (they are in
-- the hash). Readings without a key (the commands') are left out of it.
create unique index readings_import_key_sp on readings (service_point_id, reading_date, import_key)
  where import_key is not null;
alter table readings drop constraint readings_import_key_key;
