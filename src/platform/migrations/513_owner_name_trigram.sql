-- Intermediate consumption (R13/R9) filtered by part of the owner's name (`owner_name ilike '%…%'`): a
-- trigram index finds the service points whose owner's name holds the text instead of reading every one
-- (docs/decisions.md, "Report counts at scale"). pg_trgm is a contrib extension of PostgreSQL (trusted:
-- a database owner may create it) and is loaded in PGlite by src/platform/db.ts.
create extension if not exists pg_trgm;
create index service_points_owner_name_trgm on service_points using gin (owner_name gin_trgm_ops);
