-- lpad() truncates: lpad('1000000', 6, '0') is '100000', a taken id. Ids keep their minimum
-- width and grow past it instead (CASE-999999, then CASE-1000000).
create function ecart_next_id(prefix text, seq regclass, width int) returns text
  language sql volatile as $$
  select prefix || lpad(v::text, greatest(width, length(v::text)), '0') from (select nextval(seq) as v) s
$$;

alter table parties alter column id set default ecart_next_id('PER-', 'party_seq', 6);
alter table cases alter column id set default ecart_next_id('CASE-', 'case_seq', 6);
alter table subscriptions alter column id set default ecart_next_id('SUB-', 'subscription_seq', 6);
alter table tasks alter column id set default ecart_next_id('TASK-', 'task_seq', 6);
alter table interventions alter column id set default ecart_next_id('VIS-', 'intervention_seq', 6);
alter table readings alter column id set default ecart_next_id('RDG-', 'reading_seq', 9);
alter table proofs alter column id set default ecart_next_id('PRF-', 'proof_seq', 6);
alter table contests alter column id set default ecart_next_id('CTS-', 'contest_seq', 6);
alter table communications alter column id set default ecart_next_id('MSG-', 'communication_seq', 6);
