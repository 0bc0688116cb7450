#!/usr/bin/env bash
# Makes a MySQL-compatible server available on 127.0.0.1:3306 for the test
# suite and prints its server DSN. Idempotent: uses a running server, starts an
# installed MariaDB, or installs mariadb-server with apt-get (when root).
# Prints nothing and exits 1 when no server can be had.
set -u

ping_tcp() { mariadb-admin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1 ||
             mysqladmin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1; }
wait_up() { for _ in $(seq 1 60); do ping_tcp && return 0; sleep 0.5; done; return 1; }
log() { echo "ensure-mysql: $*" >&2; }

if ! ping_tcp; then
  installed_now=0
  if [ ! -x /usr/sbin/mariadbd ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      log "installing mariadb-server"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server mariadb-client) >&2 || exit 1
      installed_now=1
    else
      log "no MariaDB/MySQL and cannot install it (not root or no apt-get)"; exit 1
    fi
  fi
  if [ ! -d /var/lib/mysql/mysql ]; then
    log "initialising the data directory"
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null 2>&1 || true
  fi
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  ping_tcp || { log "starting mariadbd"; start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql --bind-address=127.0.0.1 --port=3306 >&2; }
  if ! wait_up; then
    # A fresh Debian install lets root in through the socket only: open TCP
    # for root with an empty password, as DESIGN.md §4 expects (test machines only).
    if [ "$installed_now" = 1 ] || [ "${CI:-}" = true ]; then
      mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket;
        CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;" >&2 || true
    fi
    wait_up || { log "MariaDB did not come up on 127.0.0.1:3306"; exit 1; }
  fi
fi
echo "mysql://root@tcp(127.0.0.1:3306)/"
