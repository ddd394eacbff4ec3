-- Issue 14 #1, #7: an account whose password someone else set (created by an administrator or from the
-- command line, reset) must change it at first login; whether its password is a demo or blocklisted one
-- (null: set before this migration, checked when the server starts on a non-loopback address); API tokens
-- may expire.
alter table accounts add column must_change_password boolean not null default false;
alter table accounts add column weak_password boolean;
alter table api_tokens add column expires_at timestamptz;
