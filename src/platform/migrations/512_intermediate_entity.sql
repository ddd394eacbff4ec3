-- Intermediate consumption (R13/R9) filtered by entity: the finding carries its case's entity, so that the
-- report's page and total read the entity's findings from an index instead of looking every finding up in
-- cases (docs/decisions.md, "Report counts at scale"). Derived, storage only: the column is a copy of
-- cases.entity, set by a trigger on every insert (whatever the writer gives) and kept when a case's entity
-- changes; no writer sets it and no rule reads it.

alter table intermediate_consumptions add column entity text;
update intermediate_consumptions ic set entity = c.entity from cases c where c.id = ic.case_id;
alter table intermediate_consumptions alter column entity set not null;
comment on column intermediate_consumptions.entity is 'derived: cases.entity of case_id, kept by triggers';

create function intermediate_consumption_entity() returns trigger language plpgsql as $$
begin
  select c.entity into new.entity from cases c where c.id = new.case_id;
  return new;
end $$;
create trigger intermediate_consumptions_entity before insert or update of case_id, entity
  on intermediate_consumptions for each row execute function intermediate_consumption_entity();

create function case_entity_to_intermediate() returns trigger language plpgsql as $$
begin
  update intermediate_consumptions set entity = new.entity where case_id = new.id;
  return null;
end $$;
create trigger cases_entity_to_intermediate after update of entity on cases
  for each row when (old.entity is distinct from new.entity) execute function case_entity_to_intermediate();

-- The report's order (latest first, then case) within one entity.
create index intermediate_consumptions_entity_to_date on intermediate_consumptions (entity, to_date desc, case_id);
