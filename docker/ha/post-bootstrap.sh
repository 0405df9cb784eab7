#!/bin/sh
# Run once by Patroni on the first primary: the app's role and database
# (the standby gets them by replication).  $1: a connection string to the new cluster.
set -eu
psql "$1" -v ON_ERROR_STOP=1 -v password="$ANTIFRAUD_DB_PASSWORD" <<'SQL'
CREATE ROLE antifraud LOGIN PASSWORD :'password';
CREATE DATABASE antifraud OWNER antifraud;
SQL
