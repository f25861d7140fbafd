#!/bin/sh
# Installs or upgrades the МО server from the unpacked package this script
# is in: the program in /opt/mo, its data in /var/lib/mo (owned by the
# system user mo), its settings in /etc/mo/server.env, and the systemd
# service mo-server, started now and at every boot. Run as root:
#
#   sudo ./install.sh
#
# An upgrade keeps the data and the settings, and first writes a backup
# of the data to /var/backups/mo/.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "run as root: sudo $0" >&2; exit 1; }

if ! id mo >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/mo --shell /usr/sbin/nologin mo
  echo "created the system user mo"
fi
install -d -o mo -g mo -m 0700 /var/lib/mo
install -d -m 0755 /opt/mo /opt/mo/bin
install -d -m 0750 -g mo /etc/mo

if [ -x /opt/mo/bin/server ] && [ -e /var/lib/mo/documents.redb ]; then
  install -d -m 0700 -o mo -g mo /var/backups/mo
  backup=/var/backups/mo/before-upgrade-$(date +%Y-%m-%d-%H%M%S).redb
  # Works whether the old server is running or not.
  su -s /bin/sh mo -c "/opt/mo/bin/server --data-dir /var/lib/mo backup --out $backup"
fi

install -m 0755 "$here/bin/server" /opt/mo/bin/server.new
mv -f /opt/mo/bin/server.new /opt/mo/bin/server
rm -rf /opt/mo/app.new
cp -R "$here/app" /opt/mo/app.new
rm -rf /opt/mo/app.old
[ -d /opt/mo/app ] && mv /opt/mo/app /opt/mo/app.old
mv /opt/mo/app.new /opt/mo/app
rm -rf /opt/mo/app.old
install -m 0644 "$here/README.md" /opt/mo/README.md
if [ ! -e /etc/mo/server.env ]; then
  install -m 0640 -g mo "$here/server.env.example" /etc/mo/server.env
  echo "wrote /etc/mo/server.env: set the domain or the certificate files there"
fi
install -m 0644 "$here/mo-server.service" /etc/systemd/system/mo-server.service

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --quiet mo-server
  systemctl restart mo-server
  echo "mo-server is running: systemctl status mo-server; journalctl -u mo-server -f"
  echo "the first start prints the first invitation links: journalctl -u mo-server | grep invitation"
else
  echo "installed; systemd is not running here, so start it by hand:"
  echo "  su -s /bin/sh mo -c 'set -a; . /etc/mo/server.env; /opt/mo/bin/server --data-dir /var/lib/mo --app-dir /opt/mo/app'"
fi
