# PgBouncer from PostgreSQL's own apt repository (1.21 or later: it keeps psycopg's prepared
# statements under transaction pooling, max_prepared_statements in pgbouncer.ini).
FROM postgres:15
RUN apt-get update \
 && apt-get install -y --no-install-recommends pgbouncer \
 && rm -rf /var/lib/apt/lists/*
USER postgres
ENTRYPOINT ["pgbouncer", "/etc/pgbouncer/pgbouncer.ini"]
