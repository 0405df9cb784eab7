# PostgreSQL 15 run by Patroni (docker/compose.ha.yaml). The postgres image's apt source is
# PostgreSQL's own repository, which ships Patroni and its etcd client.
FROM postgres:15
RUN apt-get update \
 && apt-get install -y --no-install-recommends patroni python3-etcd \
 && rm -rf /var/lib/apt/lists/*
COPY docker/ha/patroni.yml /etc/patroni/patroni.yml
COPY docker/ha/post-bootstrap.sh /etc/patroni/post-bootstrap.sh
USER postgres
ENTRYPOINT ["patroni", "/etc/patroni/patroni.yml"]
