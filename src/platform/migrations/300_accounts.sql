-- Accounts (R14 roles, entity), server-side sessions and API tokens for other systems.
-- Passwords: scrypt (node:crypto) in a self-describing string. Session and token secrets are
-- stored as sha256 digests only.

create table accounts (
  id             bigint generated always as identity primary key,
  username       text not null unique check (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
  role           text not null check (role in ('FO', 'BO', 'EUROS', 'SUPERVISOR', 'ADMIN')),
  entity         text not null check (length(entity) between 1 and 64),
  password_hash  text,
  active         boolean not null default true,
  created_at     timestamptz not null
);

create table sessions (
  token_hash    text primary key,
  account_id    bigint not null references accounts(id),
  created_at    timestamptz not null,
  expires_at    timestamptz not null,
  last_seen_at  timestamptz not null
);
create index sessions_account on sessions(account_id);
create index sessions_expires on sessions(expires_at);

create table api_tokens (
  id            bigint generated always as identity primary key,
  account_id    bigint not null references accounts(id),
  label         text not null,
  token_hash    text not null unique,
  created_at    timestamptz not null,
  revoked_at    timestamptz
);
