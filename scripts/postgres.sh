# Sourced by scripts/test.sh and scripts/benchmark.sh: a throwaway PostgreSQL server from Debian's
# packages, its data under $WORK (which the caller creates and removes), as a local TCP port.
# Needs $WORK and $BIN (the virtualenv's bin folder); sets PGBIN (unless the caller did) and
# PGDATA, and exports DATABASE_URL and INVOLVE_DB_APP_ROLE.
#
# Two roles, as README.md's "Database roles" asks of a deployment: involve_owner owns the database
# and everything migrations create (DATABASE_URL connects as it; CREATEDB so that pytest-django can
# create test_involve), and involve_app is the role Involve serves as, which after every migrate may
# only read and insert audit events (INVOLVE_DB_APP_ROLE). involve_owner is a member of involve_app
# so that tests can SET ROLE to it; tests/audit/test_integrity.py also connects as it.

PGBIN=${PGBIN:-}   # set it to choose the server's bin folder; found below otherwise
PGDATA=""

# The newest Debian server (/usr/lib/postgresql/<version>/bin), else wherever pg_config says.
find_pgbin() {
  [[ -n $PGBIN ]] && { [[ -x $PGBIN/initdb ]] || { echo "PGBIN=$PGBIN has no initdb" >&2; return 1; }; return 0; }
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | while read -r d; do
          [[ -x $d/initdb ]] && echo "$d"; done | tail -1)
  if [[ -z $dir ]] && command -v pg_config >/dev/null; then
    dir=$(pg_config --bindir)
    [[ -x $dir/initdb ]] || dir=""
  fi
  if [[ -z $dir ]]; then
    echo "No PostgreSQL server found: no /usr/lib/postgresql/*/bin/initdb, and pg_config names none." >&2
    echo "Install Debian's postgresql package, or set PGBIN to the folder holding initdb and pg_ctl." >&2
    return 1
  fi
  PGBIN=$dir
}

# initdb refuses to run as root, so as root the cluster runs as Debian's postgres user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  local dir=$WORK/pg port
  find_pgbin || return 1
  mkdir "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$dir"
  port=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  PGDATA=$dir/data
  as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null || return 1
  # Durability is pointless for a throwaway server; turning it off makes the suite faster.
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$dir/server.log" -w -o "-p $port -k $dir \
    -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start \
    >/dev/null || { cat "$dir/server.log"; return 1; }
  as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE involve_owner LOGIN CREATEDB" -c "CREATE ROLE involve_app LOGIN" \
    -c "GRANT involve_app TO involve_owner" >/dev/null || return 1
  # Tests that tamper with the audit log may switch triggers off for their session, as a superuser
  # could (PostgreSQL 15 or newer; older servers leave them ALTER TABLE ... DISABLE TRIGGER).
  as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q \
    -c "GRANT SET ON PARAMETER session_replication_role TO involve_owner" >/dev/null 2>&1
  as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres -O involve_owner involve || return 1
  echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
  export DATABASE_URL=postgres://involve_owner@127.0.0.1:$port/involve
  export INVOLVE_DB_APP_ROLE=involve_app
}

stop_postgres() {
  if [[ -n $PGDATA && -f $PGDATA/postmaster.pid ]]; then
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
  fi
}
