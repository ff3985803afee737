#!/bin/bash
# One database per service, each owned by a role of its own that can reach no other
# (services never share tables). Run once by the postgres image on an empty volume;
# the passwords come from the environment (deploy/compose/.env).
set -euo pipefail
for service in documents credit insurance notifications empowerment; do
    variable="${service^^}_DB_PASSWORD"
    password="${!variable:?set $variable in deploy/compose/.env}"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v role="$service" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
