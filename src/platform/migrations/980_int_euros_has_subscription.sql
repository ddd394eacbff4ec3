-- An INT_EUROS case (R10–R12) regularises a subscription: every command that opens one names it (a
-- late proof, a persisting contest, an overbilled predecessor, a corrected termination). Said here, the
-- regularisation never meets such a case without one. `not valid` leaves rows already there unchecked, so
-- the migration cannot fail on a database that holds one; new and updated rows are checked.
alter table cases add constraint cases_int_euros_subscription
  check (type <> 'INT_EUROS' or subscription_id is not null) not valid;
