-- Issue 15, point 6: reading confirmations are append-only like the readings they confirm (001 guards
-- UPDATE and DELETE); TRUNCATE, which row triggers do not see, is refused too.
create trigger reading_confirmations_no_truncate before truncate on reading_confirmations
  for each statement execute function ecart_append_only();
