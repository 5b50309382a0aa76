#!/usr/bin/env bash
# Make sure the things `make test` needs outside Python are here: Debian's Chromium for the
# browser tests and a running PostgreSQL cluster with a role that may create databases.
# As root it installs and starts them; otherwise it says exactly what is missing.
set -euo pipefail

PG_ROLE="${PG_TEST_ROLE:-infusionist}"
PG_PASSWORD="${PG_TEST_PASSWORD:-infusionist}"
missing=()
is_root=0
[ "$(id -u)" = "0" ] && is_root=1

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Chromium (Playwright drives Debian's build; it cannot download its own here).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$is_root" = 1 ]; then
    echo "provision: installing Debian's chromium and chromium-driver"
    apt_install chromium chromium-driver
  else
    missing+=("chromium: run 'sudo apt-get install -y chromium chromium-driver'")
  fi
fi

# Pango and fonts for WeasyPrint (consent PDFs): it loads libpango at run time.
if ! ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' || ! fc-list 2>/dev/null | grep -qi dejavu; then
  if [ "$is_root" = 1 ]; then
    echo "provision: installing Pango and fonts for WeasyPrint"
    apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
  else
    missing+=("weasyprint: run 'sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core'")
  fi
fi

# PostgreSQL server and cluster.
if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  if [ "$is_root" = 1 ]; then
    echo "provision: installing PostgreSQL"
    apt_install postgresql
  else
    missing+=("postgresql: run 'sudo apt-get install -y postgresql'")
  fi
fi

if command -v pg_lsclusters >/dev/null 2>&1; then
  cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2" "$4}')
  if [ -z "$cluster" ] && [ "$is_root" = 1 ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    pg_createcluster "$version" main >/dev/null
    cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2" "$4}')
  fi
  if [ -n "$cluster" ]; then
    read -r version name status <<<"$cluster"
    if [ "$status" != "online" ]; then
      if [ "$is_root" = 1 ]; then
        pg_ctlcluster "$version" "$name" start
      else
        missing+=("PostgreSQL cluster $version/$name is $status: run 'sudo pg_ctlcluster $version $name start'")
      fi
    fi
    if [ "$is_root" = 1 ]; then
      exists=$(su postgres -c "psql -Atc \"SELECT 1 FROM pg_roles WHERE rolname='$PG_ROLE'\"" 2>/dev/null || true)
      if [ "$exists" != "1" ]; then
        su postgres -c "psql -qc \"CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD'\""
        echo "provision: created PostgreSQL role $PG_ROLE (CREATEDB)"
      fi
    fi
  elif [ "$is_root" != 1 ]; then
    missing+=("a PostgreSQL cluster: run 'sudo pg_createcluster 15 main --start'")
  fi
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "make test cannot run; missing:" >&2
  for item in "${missing[@]}"; do echo "  - $item" >&2; done
  exit 1
fi
