-- R17: a mutation starts the newcomer's subscription with source MUTATION. The list is SPEC §7's whole
-- list of start sources (REGULARIZED is R12's), so that the order in which migrations of parallel work
-- run cannot drop a value another one added.
alter table subscriptions drop constraint subscriptions_start_source_check;
alter table subscriptions add constraint subscriptions_start_source_check
  check (start_source in ('DECLARED', 'PROOF', 'PROOF_DATE_PREDECESSOR_INDEX', 'PROOF_DATE_REMOTE_INDEX',
                          'PREDECESSOR', 'PRESCRIPTION', 'INTERVENTION', 'MUTATION', 'REGULARIZED'));

-- SPEC §5's whole list of templates: R16's, R17's and R18's join the first four.
alter table communications drop constraint communications_template_check;
alter table communications add constraint communications_template_check
  check (template in ('PROOF_REQUEST', 'CONFIRMATION_PREDECESSOR_INDEX', 'CONFIRMATION_PROOF', 'CONTEST_ANSWER',
                      'CONFIRMATION_DECLARED_INDEX', 'PROOF_REMINDER', 'CONFIRMATION_MUTATION'));
