-- Provisions one Relief database on a cluster. Idempotent: safe to run again.
--
-- Run as a superuser connected to any database of the cluster, with psql
-- variables `dbname` (the database) and `role` (the registry's login role):
--   psql "postgresql://postgres@127.0.0.1:PORT/postgres" -X -v ON_ERROR_STOP=1 \
--     -v dbname=relief -v role=relief_registry -f deploy/sql/provision.sql
-- (deploy/local/lib.sh: relief_pg_provision ADMIN_URL DBNAME.)
--
-- The role has no password: the local cluster trusts loopback connections.
-- A deployment with password authentication sets one afterwards
-- (ALTER ROLE ... PASSWORD). Each service's migrations create its tables in
-- its own schema, as the schema's owner.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- CREATE DATABASE cannot run inside a DO block or a transaction: \gexec runs
-- it only when the database is missing.
SELECT format('CREATE DATABASE %I ENCODING %L TEMPLATE template0', :'dbname', 'UTF8')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'dbname')
\gexec

-- Roles are cluster-wide: two provisionings at once (parallel tests, each
-- with its own database) may both try to create it; the loser carries on.
SELECT format($sql$
  DO $do$
  BEGIN
    CREATE ROLE %I LOGIN;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
  END
  $do$$sql$, :'role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role')
\gexec
ALTER ROLE :"role" LOGIN;

\connect :"dbname"
SET client_min_messages = warning;

-- Nobody but the owner creates objects in (or reads) schema public.
REVOKE ALL ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA IF NOT EXISTS registry AUTHORIZATION :"role";
ALTER SCHEMA registry OWNER TO :"role";
CREATE SCHEMA IF NOT EXISTS ref AUTHORIZATION :"role";
ALTER SCHEMA ref OWNER TO :"role";
