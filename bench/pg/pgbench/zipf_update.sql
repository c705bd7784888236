-- YCSB update of a skewed key's value: a new index entry unless the heap page has room
-- for a HOT update (the same for every side: the heaps are identical).
\set r permute(random_zipfian(1, :n, 1.1), :n)
UPDATE t_AM SET v = v + 1 WHERE k = (SELECT k FROM keys WHERE rid = :r);
