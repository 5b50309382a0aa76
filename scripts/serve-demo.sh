#!/usr/bin/env bash
# Serve the demo: the web server (gunicorn) and the background worker (django-tasks-db's
# db_worker) side by side. The worker sends appointment reminders, questionnaire messages and
# safety escalations; `schedule_periodic_work` first queues those sweeps (once: a run already
# waiting is kept). Ctrl-C stops both; if either one stops, the other is stopped too.
# Usage: scripts/serve-demo.sh VENV_BIN PORT WORKERS  (the environment comes from `make demo`).
set -uo pipefail

BIN="$1"
PORT="$2"
WORKERS="$3"

"$BIN/python" manage.py schedule_periodic_work

# -v0: the worker logs nothing per task; a failed send is still logged as an error.
"$BIN/python" manage.py db_worker --no-reload -v0 &
worker=$!
"$BIN/gunicorn" infusionist.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --access-logfile - --log-level warning --limit-request-line 8190 &
web=$!

stop() {
  trap - INT TERM EXIT
  kill -TERM "$web" "$worker" 2>/dev/null
  wait "$web" "$worker" 2>/dev/null
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

# Whichever ends first (Ctrl-C, a crash), the EXIT trap stops the other.
wait -n "$web" "$worker"
status=$?
echo "The $( kill -0 "$web" 2>/dev/null && echo worker || echo web server ) stopped (status $status); stopping the other." >&2
exit "$status"
