#!/usr/bin/env bash
# The Kubernetes manifests (deploy/kubernetes/): their structure, and that
# the ConfigMap holds the shipped configuration, which scx_plugland
# accepts with the DaemonSet's arguments.
#
#   tests/host/deploy.sh BUILD_DIR
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
bin=$build/scx_plugland
k8s=$top/deploy/kubernetes
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

# What a DaemonSet for a CPU scheduler must have, read from the YAML.
python3 - "$k8s" >"$tmp/structure" 2>&1 <<'PY'
import sys, yaml
k8s = sys.argv[1]
docs = {}
for name in ("namespace", "configmap", "daemonset"):
    with open(f"{k8s}/{name}.yaml") as f:
        for d in yaml.safe_load_all(f):
            docs[d["kind"]] = d
bad = []
def need(cond, what):
    if not cond:
        bad.append(what)
ns, cm, ds = docs.get("Namespace"), docs.get("ConfigMap"), docs.get("DaemonSet")
need(ns and cm and ds, "a Namespace, a ConfigMap and a DaemonSet")
if ds and cm and ns:
    name = ns["metadata"]["name"]
    need(ds["metadata"]["namespace"] == name and cm["metadata"]["namespace"] == name,
         "everything in the namespace")
    need(ns["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce") == "privileged",
         "the namespace admits privileged pods")
    need(ds["apiVersion"] == "apps/v1", "apps/v1 DaemonSet")
    spec = ds["spec"]["template"]["spec"]
    need(ds["spec"]["selector"]["matchLabels"].items() <= ds["spec"]["template"]["metadata"]["labels"].items(),
         "the selector matches the pods")
    need(spec.get("hostPID") is True, "hostPID")
    need(any(t.get("operator") == "Exists" and "key" not in t for t in spec.get("tolerations", [])),
         "tolerates every taint (runs on every node)")
    c = spec["containers"][0]
    need(c.get("securityContext", {}).get("privileged") is True, "a privileged container")
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    vols = {v["name"]: v for v in spec["volumes"]}
    need(mounts.get("/sys/fs/bpf") and vols[mounts["/sys/fs/bpf"]].get("hostPath", {}).get("path") == "/sys/fs/bpf",
         "the host's BPF filesystem at /sys/fs/bpf")
    need(mounts.get("/etc/plugland") and vols[mounts["/etc/plugland"]].get("configMap", {}).get("name") == cm["metadata"]["name"],
         "the ConfigMap at /etc/plugland")
    args = c.get("args", [])
    need(args[:2] == ["-c", "/etc/plugland/plugland.ini"], "runs with the ConfigMap's ini")
    sets = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--set"]
    need(any(s.startswith("control.watch_config_ms=") and int(s.split("=")[1]) > 0 for s in sets),
         "reloads when the ConfigMap changes (control.watch_config_ms)")
    sock = [s.split("=", 1)[1] for s in sets if s.startswith("control.socket=")]
    need(sock and mounts.get(sock[0].rsplit("/", 1)[0]), "the control socket on a mounted folder")
    probe = c.get("readinessProbe", {}).get("exec", {}).get("command", [])
    need(probe[1:3] == ["ctl", "-S"] and sock and probe[3] == sock[0] and probe[4] == "status",
         "readiness through ctl status on that socket")
    port = [p for p in c.get("ports", []) if p.get("name") == "metrics"]
    listen = [s.split("=", 1)[1] for s in sets if s.startswith("openmetrics.listen=")]
    need(port and listen and listen[0].endswith(":%d" % port[0]["containerPort"]),
         "a metrics port the openmetrics plugin listens on")
    need("openmetrics" in ",".join(s for s in sets if s.startswith("async.plugins=")),
         "the openmetrics plugin runs")
    ann = ds["spec"]["template"]["metadata"].get("annotations", {})
    need(port and ann.get("prometheus.io/port") == str(port[0]["containerPort"]),
         "the scrape annotation names the metrics port")
for b in bad:
    print("MISSING " + b)
if ds and cm:
    print("ARGS " + " ".join(args[2:]))
    print("INI-BEGIN")
    sys.stdout.write(cm["data"]["plugland.ini"])
sys.exit(1 if bad else 0)
PY
verdict $? "deploy/kubernetes: the DaemonSet's structure (privileged, hostPID, BPF fs, ConfigMap, reload, ctl readiness, metrics)" "$tmp/structure"

# The ConfigMap is the shipped ini, made by make-configmap.sh.
"$k8s/make-configmap.sh" >"$tmp/configmap.yaml" 2>&1 && diff -u "$k8s/configmap.yaml" "$tmp/configmap.yaml" >"$tmp/diff"
verdict $? "deploy/kubernetes/configmap.yaml is conf/plugland.ini (make-configmap.sh)" "$tmp/diff"

# ... and scx_plugland takes it, with the DaemonSet's arguments (the
# plugin folder: this build's).
sed -n '/^INI-BEGIN$/,$p' "$tmp/structure" | sed 1d >"$tmp/plugland.ini"
read -r -a args < <(sed -n 's/^ARGS //p' "$tmp/structure")
"$bin" -c "$tmp/plugland.ini" "${args[@]}" -P "$build/plugins" --print-config >"$tmp/out" 2>&1
verdict $? "scx_plugland --print-config accepts the ConfigMap's ini with the DaemonSet's arguments" "$tmp/out"

[ "$failed" = 0 ]
