-- R19: a document handed in at the counter. FO (or BO) attaches it to the case with its kind and the day
-- it was received; BO's receiveProof later processes it (proof_id) without a new upload. The attestation
-- notariée joins the accepted entry proofs. SPEC R19's whole list of kinds, in both tables.
alter table proofs drop constraint if exists proofs_kind_check;
alter table proofs add constraint proofs_kind_check check (kind in (
  'SALE_DEED', 'NOTARY_CERTIFICATE', 'ENTRY_INVENTORY', 'METER_PHOTO'));
alter table proofs add column document_id text;

create sequence case_document_seq;
create table case_documents (
  id            text primary key default ecart_next_id('DOC-', 'case_document_seq', 6),
  case_id       text not null references cases(id),
  kind          text not null check (kind in ('SALE_DEED', 'NOTARY_CERTIFICATE', 'ENTRY_INVENTORY', 'METER_PHOTO')),
  received_on   date not null,
  file_name     text,
  content_type  text,
  size_bytes    bigint,
  sha256        text,
  content       bytea,
  attached_at   timestamptz not null,
  attached_by   text not null,
  entity        text not null,
  -- The proof BO made of it (receiveProof), once processed.
  proof_id      text references proofs(id)
);
create index case_documents_case on case_documents(case_id);
