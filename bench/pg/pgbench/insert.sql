-- A new key between two existing ones (past the largest for sequential keys).
\set r random(1, :n)
INSERT INTO t_AM SELECT newk, 0 FROM keys WHERE rid = :r;
