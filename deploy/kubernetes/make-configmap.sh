#!/usr/bin/env bash
# deploy/kubernetes/make-configmap.sh [INI] >configmap.yaml: the ConfigMap
# of the shipped configuration (conf/plugland.ini by default), with the
# plugin folder of the Debian package. tests/host/deploy.sh checks that
# configmap.yaml is what this prints.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ini=${1:-$here/../../conf/plugland.ini}
cat <<'HEAD'
# The configuration every node's scx_plugland reads: the shipped
# conf/plugland.ini, with the plugin folder of the Debian package.
# tests/host/deploy.sh checks it is exactly that (regenerate it with
# deploy/kubernetes/make-configmap.sh after changing conf/plugland.ini).
# Edit it here (kubectl edit configmap -n plugland plugland): the kubelet
# swaps the file within a minute or so, and scx_plugland reloads it
# ([control] watch_config_ms, set in daemonset.yaml), as on SIGHUP.
apiVersion: v1
kind: ConfigMap
metadata:
  name: plugland
  namespace: plugland
  labels:
    app.kubernetes.io/name: scx-plugland
data:
  plugland.ini: |
HEAD
sed -e 's|^plugin_dir = .*|plugin_dir = /usr/lib/plugland|' -e 's/^\(.\)/    \1/' "$ini"
