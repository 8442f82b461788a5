"""The log-dive kit: a case's scope applied to GitLab's structured logs, into a BagIt bag.

Pure and independent of Slack, GitLab and the database: `scope` (the scope file and its
predicate), `kinds` (log kinds and the fields each may keep), `redact` (pseudonyms and masks),
`reader` (one file, streamed), `bag` (the files in parallel, the bag and its digest) and `sql`
(the same scope as SQL, for DuckDB and BigQuery; an optional extra).
"""
