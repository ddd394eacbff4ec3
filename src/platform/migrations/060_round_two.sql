-- Issue 12, round two of the procedure (SPEC R8, R9, R12, R16; §5 and §7).
--
-- The lists below are SPEC §7's and §5's whole lists, not only this change's additions: another change
-- adding to the same list (R17's MUTATION and CONFIRMATION_MUTATION, R18's PROOF_REMINDER) then never drops
-- what this one allows, whichever of the two migrations runs last.

-- R12: a start regularised by EUROS (closeRegularization with a start); R17: a mutation.
alter table subscriptions drop constraint if exists subscriptions_start_source_check;
alter table subscriptions add constraint subscriptions_start_source_check check (start_source in (
  'DECLARED', 'PROOF', 'PROOF_DATE_PREDECESSOR_INDEX', 'PROOF_DATE_REMOTE_INDEX', 'PREDECESSOR', 'PRESCRIPTION',
  'INTERVENTION', 'MUTATION', 'REGULARIZED'));

-- R8's exception: BO checks a suspect termination reading before anything is subscribed.
alter table tasks drop constraint if exists tasks_kind_check;
alter table tasks add constraint tasks_kind_check check (kind in (
  'AWAIT_PROOF', 'SUBSCRIBE_AT_PREDECESSOR', 'CHECK_TERMINATION'));

-- SPEC §5: every template, R16's CONFIRMATION_DECLARED_INDEX among them.
alter table communications drop constraint if exists communications_template_check;
alter table communications add constraint communications_template_check check (template in (
  'PROOF_REQUEST', 'CONFIRMATION_PREDECESSOR_INDEX', 'CONFIRMATION_PROOF', 'CONTEST_ANSWER',
  'CONFIRMATION_DECLARED_INDEX', 'PROOF_REMINDER', 'CONFIRMATION_MUTATION'));

-- R16: a finding computed from a termination index later corrected is recomputed; when the corrected
-- volume is within tolerance it leaves the report (R13), kept with when and why it was withdrawn.
alter table intermediate_consumptions add column withdrawn_at timestamptz;
