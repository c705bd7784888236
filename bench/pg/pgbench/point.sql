-- One existing key, uniformly at random (keys.rid is the key's rank).
\set r random(1, :n)
SELECT v FROM t_AM WHERE k = (SELECT k FROM keys WHERE rid = :r);
