#!/bin/sh
# manage.py with the production environment, as the service's user:
#   /opt/reinsertion/deploy/manage.sh migrate
# REINSERTION_ENV_FILE and REINSERTION_USER change the defaults below.
set -eu
# cron's PATH lacks /usr/sbin (runuser).
PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
export PATH
APP_DIR=$(cd "$(dirname "$0")/.." && pwd)
ENV_FILE=${REINSERTION_ENV_FILE:-/etc/reinsertion/env}
APP_USER=${REINSERTION_USER:-reinsertion}

if [ "$(id -un)" != "$APP_USER" ]; then
    exec runuser -u "$APP_USER" -- "$0" "$@"
fi
set -a
. "$ENV_FILE"
set +a
cd "$APP_DIR"
exec "$APP_DIR/.venv/bin/python" manage.py "$@"
