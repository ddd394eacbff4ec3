-- R18: one proof reminder per AWAIT_PROOF task, never two. The primary key is the guarantee: the sweep
-- inserts the reminder with ON CONFLICT DO NOTHING and writes the PROOF_REMINDER message only for the
-- rows it inserted, in the same transaction. A second sweeper waits for the first one's row and then
-- inserts nothing; a sweeper killed before its commit leaves neither the row nor the message.
create table proof_reminders (
  task_id           text primary key references tasks(id),
  case_id           text not null references cases(id),
  communication_id  text references communications(id),
  sent_at           timestamptz not null
);
create index proof_reminders_case on proof_reminders(case_id);
