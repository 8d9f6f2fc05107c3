-- The cache epoch (DESIGN.md §3): Redis holds the registry's keys only while
-- its "epoch" key equals this value. A Redis without it (flushed, replaced,
-- half-refilled) is treated as empty until the refill has finished and set
-- it. Bumping this value invalidates every cache at once.
CREATE TABLE cache_epoch (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  epoch      text    NOT NULL
);
INSERT INTO cache_epoch (epoch) VALUES (gen_random_uuid()::text);
