-- Intermediate consumption (R13/R9) finds its cases by their R9 comment (src/reports/queries.ts). A partial
-- index of the cases that carry it: the report's total and pages read these entries instead of probing every
-- comment. The text must be R9_COMMENT of src/move-in/wording.ts (test/reports/reports.test.ts checks it):
-- if the wording changes, a new migration replaces this index.
create index case_comments_r9 on case_comments (case_id) where body = 'écart de consommation avec ancien occupant';
