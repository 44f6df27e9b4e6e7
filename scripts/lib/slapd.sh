# shellcheck shell=bash
# Throw-away OpenLDAP servers for the directory tests (issue 16), like scripts/lib/postgres.sh:
# on 127.0.0.1, in a temporary folder, with the test directory tests/ldap/directory.ldif
# (suffix dc=example,dc=test), plain LDAP (StartTLS offered) and LDAPS on two ports, and
# `memberOf` computed from the groups (the dynlist overlay).
#
#   source scripts/lib/slapd.sh
#   slapd_tmp_start    # starts one; exports GATEHOUSE_TEST_LDAP_URL=ldap://127.0.0.1:P,
#                      # GATEHOUSE_TEST_LDAPS_URL=ldaps://127.0.0.1:P2, GATEHOUSE_TEST_LDAP_CA (the
#                      # test CA's certificate) and SLAPD_TMP_DIR
#   ...
#   slapd_tmp_stop     # stops it and deletes the folder
#
#   slapd_run DIR [CA_DIR]   # lower level, for harnesses that run several servers: makes DIR's
#                            # configuration, certificate (signed by the CA in CA_DIR, made there
#                            # if missing: ca.crt, ca.key) and database, starts slapd in the
#                            # foreground of a background job and prints "LDAP_PORT LDAPS_PORT PID"
#                            # once it answers
#
# Two optional environment variables, read by slapd_run (unset: the test directory as above):
#   SLAPD_MODULES="argon2"      more modules to load from /usr/lib/ldap (argon2: userPassword
#                               values "{ARGON2}$argon2..." check binds; bench/run's directory users)
#   SLAPD_EXTRA_LDIF=FILE       entries loaded (slapadd) after tests/ldap/directory.ldif
#
# Sourcing defines functions only; nothing sets a trap (callers stop what they start).

# shellcheck source=scripts/lib/ports.sh
source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"

_SLAPD_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
_SLAPD_DATA="$_SLAPD_LIB_DIR/../../tests/ldap/directory.ldif"
_SLAPD_AD_SCHEMA="$_SLAPD_LIB_DIR/../../tests/ldap/ad.schema"

# _slapd_ca DIR: a test CA (P-256) in DIR unless one is there.
# Several servers started at once with one CA folder make it once: the others wait on its lock
# (flock, util-linux) and then find it, rather than reading a half-written key.
_slapd_ca() {
  local dir=$1
  mkdir -p "$dir" || return 1
  (
    flock 9 || exit 1
    [ -f "$dir/ca.crt" ] && [ -f "$dir/ca.key" ] && exit 0
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
      -subj "/CN=Gatehouse test directory CA" -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign,cRLSign \
      -keyout "$dir/ca.key.new" -out "$dir/ca.crt.new" >/dev/null 2>&1 &&
      mv "$dir/ca.key.new" "$dir/ca.key" && mv "$dir/ca.crt.new" "$dir/ca.crt"
  ) 9>"$dir/.ca.lock"
}

# _slapd_cert DIR CA_DIR: DIR/server.{key,crt} for 127.0.0.1, signed by CA_DIR's CA.
_slapd_cert() {
  local dir=$1 ca=$2
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1 &&
    printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$dir/ext.cnf" &&
    openssl x509 -req -in "$dir/server.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
      -days 2 -extfile "$dir/ext.cnf" -out "$dir/server.crt" >/dev/null 2>&1
}

# _slapd_conf DIR: DIR/slapd.conf. The service account reads the people and groups; a user reads
# itself; passwords are usable for binds only.
_slapd_conf() {
  local dir=$1
  cat >"$dir/slapd.conf" <<EOF
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload dynlist
$(for m in ${SLAPD_MODULES:-}; do printf 'moduleload %s\n' "$m"; done)
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/dyngroup.schema
include $_SLAPD_AD_SCHEMA
pidfile $dir/slapd.pid
TLSCACertificateFile $dir/ca.crt
TLSCertificateFile $dir/server.crt
TLSCertificateKeyFile $dir/server.key
sizelimit 500

database mdb
maxsize 67108864
suffix "dc=example,dc=test"
rootdn "cn=admin,dc=example,dc=test"
rootpw admin-secret
directory $dir/db
index objectClass,uid,mail,member,entryUUID,sAMAccountName,userPrincipalName eq
access to attrs=userPassword by anonymous auth by * none
access to * by dn.exact="cn=gatehouse,ou=services,dc=example,dc=test" read by self read by * none
overlay dynlist
dynlist-attrset groupOfURLs memberURL member+memberOf@groupOfNames
EOF
}

slapd_run() {
  local dir=$1 ca=${2:-$1} attempt port tls pid i
  command -v slapd >/dev/null || {
    echo "slapd_run: slapd not found (install Debian's slapd and ldap-utils packages: scripts/bootstrap)" >&2
    return 1
  }
  mkdir -p "$dir/db" || return 1
  _slapd_ca "$ca" || { echo "slapd_run: making the test CA failed" >&2; return 1; }
  [ "$ca" = "$dir" ] || cp "$ca/ca.crt" "$dir/ca.crt"
  _slapd_cert "$dir" "$ca" || { echo "slapd_run: making the server certificate failed" >&2; return 1; }
  _slapd_conf "$dir"
  slapadd -q -f "$dir/slapd.conf" -l "$_SLAPD_DATA" >"$dir/slapadd.log" 2>&1 || {
    echo "slapd_run: slapadd failed:" >&2
    cat "$dir/slapadd.log" >&2
    return 1
  }
  if [ -n "${SLAPD_EXTRA_LDIF:-}" ]; then
    slapadd -q -f "$dir/slapd.conf" -l "$SLAPD_EXTRA_LDIF" >>"$dir/slapadd.log" 2>&1 || {
      echo "slapd_run: slapadd of $SLAPD_EXTRA_LDIF failed:" >&2
      cat "$dir/slapadd.log" >&2
      return 1
    }
  fi
  for attempt in 1 2 3 4 5; do
    port="$(free_local_port)" && tls="$(free_local_port)" || break
    [ "$port" != "$tls" ] || continue
    # -d 0: in the foreground (its pid is the job's), logging nothing but errors. slapd sizes its
    # tables from the descriptor limit: a modest one keeps it small.
    (ulimit -n 1024; exec slapd -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$tls/" -d 0) \
      >"$dir/slapd.log" 2>&1 &
    pid=$!
    # It listens before its database is open: ready when a search answers (at most 10 s).
    for i in $(seq 1 200); do
      kill -0 "$pid" 2>/dev/null || break
      if ldapsearch -x -H "ldap://127.0.0.1:$port" -o nettimeout=1 -b "" -s base "(objectClass=*)" \
           namingContexts >/dev/null 2>&1; then
        echo "$port $tls $pid"
        return 0
      fi
      sleep 0.05
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    grep -q "Address already in use" "$dir/slapd.log" 2>/dev/null || break
  done
  echo "slapd_run: slapd did not start; its log:" >&2
  cat "$dir/slapd.log" >&2 2>/dev/null
  return 1
}

slapd_tmp_start() {
  if [ -n "${SLAPD_TMP_DIR:-}" ] && [ -d "${SLAPD_TMP_DIR:-}" ]; then
    echo "slapd_tmp_start: already running in $SLAPD_TMP_DIR ($GATEHOUSE_TEST_LDAP_URL)" >&2
    return 0
  fi
  local dir out port tls pid
  dir="$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-slapd.XXXXXX")" || return 1
  if ! out="$(slapd_run "$dir")"; then
    rm -rf "$dir"
    return 1
  fi
  read -r port tls pid <<<"$out"
  echo "$pid" >"$dir/job.pid"
  export SLAPD_TMP_DIR="$dir" GATEHOUSE_TEST_LDAP_URL="ldap://127.0.0.1:$port"
  export GATEHOUSE_TEST_LDAPS_URL="ldaps://127.0.0.1:$tls" GATEHOUSE_TEST_LDAP_CA="$dir/ca.crt"
  echo "slapd_tmp_start: OpenLDAP on 127.0.0.1:$port and ldaps 127.0.0.1:$tls (folder $dir)"
}

slapd_tmp_stop() {
  local dir="${SLAPD_TMP_DIR:-}" pid i
  [ -n "$dir" ] || return 0
  if [ -f "$dir/job.pid" ]; then
    pid="$(cat "$dir/job.pid")"
    kill -CONT "$pid" 2>/dev/null
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
  unset SLAPD_TMP_DIR GATEHOUSE_TEST_LDAP_URL GATEHOUSE_TEST_LDAPS_URL GATEHOUSE_TEST_LDAP_CA
}
