-- Écart core schema. Generated ids are readable: a prefix and a zero-padded sequence.
-- Domain timestamps come from the application clock (simulated in scenarios), never now().

create sequence party_seq;
create sequence subscription_seq;
create sequence case_seq;
create sequence task_seq;
create sequence reading_seq;
create sequence proof_seq;
create sequence contest_seq;
create sequence communication_seq;
create sequence intervention_seq;

create table service_points (
  id          text primary key,
  address     text not null,
  owner_name  text,
  created_at  timestamptz not null default now()
);

create table meters (
  id                bigint generated always as identity primary key,
  service_point_id  text not null references service_points(id),
  serial            text not null,
  remote_reading    boolean not null default false,
  digits            int check (digits between 3 and 12),
  start_index       bigint not null default 0 check (start_index >= 0),
  installed_on      date,
  removed_on        date,
  created_at        timestamptz not null default now()
);
create unique index meters_one_active on meters(service_point_id) where removed_on is null;
create index meters_serial on meters(serial);

create table parties (
  id              text primary key default ('PER-' || lpad(nextval('party_seq')::text, 6, '0')),
  name            text not null,
  email           text,
  phone           text,
  postal_address  text,
  role            text not null check (role in ('PROSPECT', 'SUBSCRIBER')),
  created_at      timestamptz not null
);
create index parties_email on parties(lower(email));

create table cases (
  id                text primary key default ('CASE-' || lpad(nextval('case_seq')::text, 6, '0')),
  type              text not null check (type in ('ARR_SPECIAL', 'ARR_INTERVENTION', 'INT_EUROS')),
  status            text not null check (status in ('OPEN', 'CLOSED')),
  entity            text not null,
  service_point_id  text not null references service_points(id),
  party_id          text references parties(id),
  subscription_id   text,
  related_case_id   text references cases(id),
  contest_id        text,
  move_in           jsonb,
  regularization    jsonb,
  created_at        timestamptz not null,
  created_by        text not null,
  closed_at         timestamptz,
  closed_by         text
);
-- One open move-in case per person and service point (SPEC §6 duplicates; issue 8).
create unique index cases_one_open_arr on cases(service_point_id, party_id)
  where status = 'OPEN' and type in ('ARR_SPECIAL', 'ARR_INTERVENTION');
create index cases_entity_created on cases(entity, created_at);
create index cases_service_point on cases(service_point_id);

create table subscriptions (
  id                text primary key default ('SUB-' || lpad(nextval('subscription_seq')::text, 6, '0')),
  service_point_id  text not null references service_points(id),
  party_id          text not null references parties(id),
  start_date        date not null,
  start_index       bigint not null check (start_index >= 0),
  start_source      text not null check (start_source in ('DECLARED', 'PROOF', 'PROOF_DATE_PREDECESSOR_INDEX',
                      'PROOF_DATE_REMOTE_INDEX', 'PREDECESSOR', 'PRESCRIPTION', 'INTERVENTION')),
  end_date          date,
  end_index         bigint check (end_index >= 0),
  tags              text[] not null default '{}',
  case_id           text references cases(id),
  created_at        timestamptz not null,
  created_by        text not null,
  entity            text not null,
  check (end_date is null or end_date >= start_date)
);
-- Never two open subscriptions at one service point.
create unique index subscriptions_one_open on subscriptions(service_point_id) where end_date is null;
create index subscriptions_sp_end on subscriptions(service_point_id, end_date);
alter table cases add constraint cases_subscription_fk foreign key (subscription_id) references subscriptions(id);

create table case_comments (
  id          bigint generated always as identity primary key,
  case_id     text not null references cases(id),
  body        text not null,
  created_at  timestamptz not null,
  author      text not null,
  entity      text not null
);
create index case_comments_case on case_comments(case_id, id);

create table tasks (
  id          text primary key default ('TASK-' || lpad(nextval('task_seq')::text, 6, '0')),
  case_id     text not null references cases(id),
  kind        text not null check (kind in ('AWAIT_PROOF', 'SUBSCRIBE_AT_PREDECESSOR')),
  due_date    date not null,
  due_at      timestamptz not null,
  status      text not null check (status in ('OPEN', 'DONE', 'EXPIRED')),
  created_at  timestamptz not null,
  closed_at   timestamptz,
  closed_by   text
);
create index tasks_open_due on tasks(due_at) where status = 'OPEN';
create index tasks_case on tasks(case_id);

create table interventions (
  id              text primary key default ('VIS-' || lpad(nextval('intervention_seq')::text, 6, '0')),
  case_id         text not null references cases(id),
  kind            text not null check (kind in ('RECONNECTION')),
  status          text not null check (status in ('PLANNED', 'DONE')),
  reported_date   date,
  reported_index  bigint,
  reading_id      text,
  created_at      timestamptz not null,
  reported_at     timestamptz
);
create index interventions_case on interventions(case_id);

create table readings (
  id                 text primary key default ('RDG-' || lpad(nextval('reading_seq')::text, 9, '0')),
  service_point_id   text not null references service_points(id),
  meter_id           bigint references meters(id),
  reading_date       date not null,
  index_m3           bigint not null check (index_m3 >= 0),
  type               text not null check (type in ('NORMAL', 'CUSTOMER', 'ESTIMATE', 'REMOTE', 'MOVE_OUT', 'MOVE_IN', 'INTERVENTION')),
  status             text not null check (status in ('VALID', 'SUSPECT')),
  usage_m3           bigint,
  expected_usage_lo  bigint,
  expected_usage_hi  bigint,
  expected_index_lo  bigint,
  expected_index_hi  bigint,
  suggested_index    bigint,
  warnings           text[] not null default '{}',
  replaces_id        text unique references readings(id),
  reason             text,
  import_key         text unique,
  recorded_at        timestamptz not null,
  recorded_by        text not null,
  entity             text not null
);
create index readings_sp_date on readings(service_point_id, reading_date, id);

-- A suspect reading that an advisor confirmed as genuine (a leak, a pool filled).
create table reading_confirmations (
  reading_id    text primary key references readings(id),
  reason        text not null,
  confirmed_at  timestamptz not null,
  confirmed_by  text not null,
  entity        text not null
);

-- What a reading is now: REPLACED once a correction points at it, VALID once confirmed.
create view reading_states as
select r.*,
  case
    when exists (select 1 from readings c where c.replaces_id = r.id) then 'REPLACED'
    when exists (select 1 from reading_confirmations k where k.reading_id = r.id) then 'VALID'
    else r.status
  end as effective_status
from readings r;

create table proofs (
  id                    text primary key default ('PRF-' || lpad(nextval('proof_seq')::text, 6, '0')),
  case_id               text not null references cases(id),
  kind                  text not null check (kind in ('SALE_DEED', 'ENTRY_INVENTORY', 'METER_PHOTO')),
  doc_date              date,
  doc_index             bigint,
  meter_serial          text,
  prescription_invoked  boolean not null default false,
  status                text not null check (status in ('ACCEPTED', 'REFUSED', 'COMPLEMENT', 'LATE')),
  refusal_code          text,
  refusal_reason        text,
  file_name             text,
  content_type          text,
  size_bytes            bigint,
  sha256                text,
  content               bytea,
  received_at           timestamptz not null,
  received_by           text not null,
  entity                text not null
);
create index proofs_case on proofs(case_id);

create table contests (
  id                      text primary key default ('CTS-' || lpad(nextval('contest_seq')::text, 6, '0')),
  subscription_id         text not null references subscriptions(id),
  reason                  text not null,
  status                  text not null check (status in ('OPEN', 'ANSWERED', 'ESCALATED')),
  answer                  text,
  regularization_case_id  text references cases(id),
  proof                   jsonb,
  created_at              timestamptz not null,
  created_by              text not null,
  entity                  text not null,
  answered_at             timestamptz
);

-- The outbox: a message is written in the same transaction as the decision to send it.
create table communications (
  id                text primary key default ('MSG-' || lpad(nextval('communication_seq')::text, 6, '0')),
  template          text not null check (template in ('PROOF_REQUEST', 'CONFIRMATION_PREDECESSOR_INDEX',
                      'CONFIRMATION_PROOF', 'CONTEST_ANSWER')),
  channel           text not null check (channel in ('EMAIL', 'LETTER')),
  recipient_name    text not null,
  to_address        text not null,
  party_id          text references parties(id),
  case_id           text references cases(id),
  service_point_id  text references service_points(id),
  contest_id        text references contests(id),
  payload           jsonb not null,
  status            text not null default 'PENDING' check (status in ('PENDING', 'SENDING', 'SENT', 'FAILED')),
  attempts          int not null default 0,
  next_attempt_at   timestamptz,
  last_error        text,
  message_id        text unique,
  artifact_path     text,
  created_at        timestamptz not null,
  sent_at           timestamptz
);
create index communications_pending on communications(next_attempt_at) where status in ('PENDING', 'SENDING');

-- R9 findings: consumption between two occupants, billed to nobody (R13 report).
create table intermediate_consumptions (
  case_id           text primary key references cases(id),
  service_point_id  text not null references service_points(id),
  subscription_id   text not null references subscriptions(id),
  from_date         date not null,
  from_index        bigint not null,
  to_date           date not null,
  to_index          bigint not null,
  volume            bigint not null,
  created_at        timestamptz not null
);

create table audit_log (
  id           bigint generated always as identity primary key,
  at           timestamptz not null,
  actor        text not null,
  role         text not null,
  entity       text not null,
  action       text not null,
  object_type  text not null,
  object_id    text not null,
  details      jsonb
);
create index audit_log_object on audit_log(object_type, object_id);

create table idempotency_keys (
  key           text primary key,
  actor         text not null,
  command       text not null,
  request_hash  text not null,
  response      jsonb not null,
  created_at    timestamptz not null
);

-- Readings, comments, confirmations and audit entries are append-only: the database refuses the rest.
create function ecart_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'APPEND_ONLY: % rows cannot be updated or deleted', tg_table_name
    using errcode = 'P0001';
end;
$$;

create trigger readings_append_only before update or delete on readings
  for each row execute function ecart_append_only();
create trigger readings_no_truncate before truncate on readings
  for each statement execute function ecart_append_only();
create trigger case_comments_append_only before update or delete on case_comments
  for each row execute function ecart_append_only();
create trigger case_comments_no_truncate before truncate on case_comments
  for each statement execute function ecart_append_only();
create trigger reading_confirmations_append_only before update or delete on reading_confirmations
  for each row execute function ecart_append_only();
create trigger audit_log_append_only before update or delete on audit_log
  for each row execute function ecart_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
  for each statement execute function ecart_append_only();
