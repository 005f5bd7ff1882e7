#!/usr/bin/env bash
# Installs amq on one machine: binary, user, directories, config, unit.
# Usage: sudo deploy/install.sh path/to/amq [path/to/activemq.xml]
set -euo pipefail
bin=${1:?usage: install.sh AMQ_BINARY [ACTIVEMQ_XML]}
conf=${2:-}
here=$(cd "$(dirname "$0")" && pwd)

install -m 0755 "$bin" /usr/bin/amq
getent group amq >/dev/null || groupadd --system amq
getent passwd amq >/dev/null || useradd --system --gid amq --home-dir /var/lib/amq --shell /sbin/nologin amq
install -d -o root -g amq -m 0750 /etc/amq
install -d -o amq -g amq -m 0750 /var/lib/amq /var/log/amq
if [ -n "$conf" ]; then
  install -o root -g amq -m 0640 "$conf" /etc/amq/activemq.xml
elif [ ! -f /etc/amq/activemq.xml ]; then
  install -o root -g amq -m 0640 "$here/../configs/activemq.xml" /etc/amq/activemq.xml
fi
install -m 0644 "$here/systemd/amq.service" /etc/systemd/system/amq.service
install -m 0644 "$here/logrotate/amq" /etc/logrotate.d/amq
/usr/bin/amq validate --config /etc/amq/activemq.xml
systemctl daemon-reload
systemctl enable --now amq
systemctl --no-pager status amq || true
