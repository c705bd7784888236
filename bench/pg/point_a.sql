\set x random(0, 8589934591)
SELECT k FROM ta WHERE k = :x;
