#!/usr/bin/env bash
# Installs what the tests need (Debian packages) when missing, then starts
# throwaway PostgreSQL and MariaDB servers on loopback and writes their DSNs
# to .test-env for `make test`. Idempotent; runs as root (CI, dev machines).
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(python3-stomp default-jdk-headless libactivemq-java activemq postgresql mariadb-server chromium)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test-deps: missing packages ${missing[*]}; run as root or install them" >&2
    exit 1
  fi
  echo "test-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's own services must not hold the ports the tests use.
for svc in activemq postgresql mariadb; do
  if command -v systemctl >/dev/null 2>&1; then systemctl stop "$svc" >/dev/null 2>&1 || true; fi
  if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
done

env_file=.test-env
: >"$env_file"

# PostgreSQL: a private cluster on 127.0.0.1:55432, trust auth.
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$pgbin" ]; then
  pgdir=/tmp/amq-test-pg
  # Ready means accepting connections: a data directory left by a killed
  # server (stale postmaster.pid) is started afresh.
  if ! "$pgbin/pg_isready" -q -h 127.0.0.1 -p 55432 >/dev/null 2>&1; then
    su postgres -s /bin/sh -c "$pgbin/pg_ctl -D $pgdir -m immediate stop" >/dev/null 2>&1 || true
    rm -rf "$pgdir"
    install -d -o postgres -g postgres "$pgdir"
    su postgres -s /bin/sh -c "$pgbin/initdb -D $pgdir -A trust -U postgres" >/dev/null
    su postgres -s /bin/sh -c "$pgbin/pg_ctl -D $pgdir -l $pgdir/log -w -o '-p 55432 -k /tmp -c listen_addresses=127.0.0.1 -c fsync=on' start" >/dev/null
  fi
  echo "AMQ_TEST_PG_DSN='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable'" >>"$env_file"
  echo "test-deps: PostgreSQL on 127.0.0.1:55432"
fi

# MariaDB: a private server on 127.0.0.1:53306 with user amq/amq.
if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then
  mdir=/tmp/amq-test-mariadb
  sock=$mdir/mysqld.sock
  if ! mariadb-admin --socket="$sock" ping >/dev/null 2>&1; then
    rm -rf "$mdir"
    install -d -o mysql -g mysql "$mdir" "$mdir/data"
    mariadb-install-db --user=mysql --datadir="$mdir/data" --auth-root-authentication-method=socket >/dev/null 2>&1
    (/usr/sbin/mariadbd --user=mysql --datadir="$mdir/data" --socket="$sock" --port=53306 \
      --bind-address=127.0.0.1 --pid-file="$mdir/mysqld.pid" --log-error="$mdir/error.log" >/dev/null 2>&1 &)
    for _ in $(seq 1 100); do
      mariadb-admin --socket="$sock" ping >/dev/null 2>&1 && break
      sleep 0.2
    done
    mariadb --socket="$sock" -e "CREATE DATABASE IF NOT EXISTS amqtest; CREATE USER IF NOT EXISTS 'amq'@'127.0.0.1' IDENTIFIED BY 'amq'; GRANT ALL ON *.* TO 'amq'@'127.0.0.1'; FLUSH PRIVILEGES;"
  fi
  echo "AMQ_TEST_MYSQL_DSN='amq:amq@tcp(127.0.0.1:53306)/amqtest'" >>"$env_file"
  echo "test-deps: MariaDB on 127.0.0.1:53306"
fi
echo "test-deps: ok"
