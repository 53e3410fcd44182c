#!/usr/bin/env python3
"""Cross-file checks of the deployment files, run by scripts/check-deploy.sh.

  deploy-consistency.py --rendered DIR                 static: the files agree with each other
  deploy-consistency.py --rendered DIR --binary SMSR   also: every SMSR_* setting is an option of
      `smsr serve`, and the binary starts, gets ready and drains (exit 0 on SIGTERM) under the
      configuration of the Kubernetes Deployment, of compose, and of the systemd unit with its
      environment file (host and port moved to loopback), exposing the metrics the autoscaler uses.

DIR holds the kustomize renderings made by check-deploy.sh (Deploy_kubernetes.yaml and
Deploy_kubernetes_overlays_monitoring.yaml). Prints one line per failed check; exits 1 if any failed.
"""
import argparse
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRAIN_DEFAULT_S = 30  # `smsr serve --drain-timeout` default
problems = []


def expect(condition, message):
    if not condition:
        problems.append(message)
    return condition


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def seconds(text, default):
    """A duration as `smsr serve` reads it (30, 2.5s, 500ms) or as compose writes it (90s, 1m30s)."""
    if text is None:
        return default
    text = str(text).strip().lower()
    total, matched = 0.0, False
    for number, unit in re.findall(r"([0-9.]+)(ms|s|m|h)?", text):
        matched = True
        total += float(number) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "": 1}[unit]
    return total if matched else default


def dockerfile_runtime():
    lines, pending = [], ""
    for raw in read("Dockerfile").splitlines():
        line = raw.strip()
        if line.startswith("#") or (not pending and not line):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
        else:
            lines.append(pending + line)
            pending = ""
    last_from = max(i for i, l in enumerate(lines) if l.upper().startswith("FROM "))
    stage = {"ENV": {}, "EXPOSE": [], "HEALTHCHECK": None, "USER": None, "ENTRYPOINT": None, "CMD": None}
    for line in lines[last_from + 1:]:
        keyword, _, argument = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "ENV":
            for pair in shlex.split(argument):
                key, _, value = pair.partition("=")
                stage["ENV"][key] = value
        elif keyword == "EXPOSE":
            stage["EXPOSE"] += [p.split("/")[0] for p in argument.split()]
        elif keyword == "HEALTHCHECK":
            stage["HEALTHCHECK"] = json.loads(argument[argument.index("CMD ") + 4:])
        elif keyword in ("USER", "ENTRYPOINT", "CMD"):
            stage[keyword] = json.loads(argument) if keyword != "USER" else argument
    return stage


def check_build_context():
    """Every path the build stage copies must be let through by .dockerignore (an allowlist)."""
    lines = [l.strip() for l in read(".dockerignore").splitlines() if l.strip() and not l.startswith("#")]
    expect(lines and lines[0] == "*", ".dockerignore should start with * and allow paths back with !")
    allowed = {l[1:].rstrip("/") for l in lines if l.startswith("!")}
    stage = 0
    for raw in read("Dockerfile").splitlines():
        words = raw.split()
        if words[:1] == ["FROM"]:
            stage += 1
        elif stage == 1 and words[:1] == ["COPY"] and not any(w.startswith("--from") for w in words):
            for source in words[1:-1]:
                expect(source.rstrip("/") in allowed, f"the Dockerfile copies {source}, which .dockerignore leaves out")
    expect(os.path.isdir(os.path.join(ROOT, "Tests")) <= ("Tests" in allowed),
           "Package.swift's test targets need Tests/ in the build context")


def manifests(path):
    with open(path, encoding="utf-8") as f:
        return {(d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(f) if d}


def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


def check_kubernetes(rendered):
    base = manifests(os.path.join(rendered, "Deploy_kubernetes.yaml"))
    monitoring = manifests(os.path.join(rendered, "Deploy_kubernetes_overlays_monitoring.yaml"))
    deployment = base[("Deployment", "smsr-serve")]
    pod = deployment["spec"]["template"]
    labels = pod["metadata"]["labels"]
    spec = pod["spec"]
    (container,) = spec["containers"]
    env = {e["name"]: e["value"] for e in container.get("env", [])}
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}

    expect(matches(deployment["spec"]["selector"]["matchLabels"], labels), "Deployment selector misses its pods")
    expect(str(ports.get("http")) == env.get("SMSR_PORT"), "containerPort http differs from SMSR_PORT")
    expect(env.get("SMSR_HOST") == "0.0.0.0", "the Deployment must set SMSR_HOST=0.0.0.0")
    expect(str(ports.get("http")) in dockerfile_runtime()["EXPOSE"], "containerPort is not the image's EXPOSE")

    # Security: what the issue asks of the pod.
    pod_security, security = spec.get("securityContext", {}), container.get("securityContext", {})
    expect(pod_security.get("runAsNonRoot") is True, "runAsNonRoot must be true")
    expect(pod_security.get("seccompProfile", {}).get("type") == "RuntimeDefault", "seccomp must be RuntimeDefault")
    expect(security.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem must be true")
    expect(security.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation must be false")
    expect(security.get("capabilities", {}).get("drop") == ["ALL"], "capabilities must drop ALL")
    user = dockerfile_runtime()["USER"].split(":")[0]
    expect(str(pod_security.get("runAsUser")) == user, "runAsUser differs from the image's USER")

    # Probes and resources.
    expect(container["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness probe must use /healthz")
    expect(container["readinessProbe"]["httpGet"]["path"] == "/readyz", "readiness probe must use /readyz")
    expect("startupProbe" in container, "a startupProbe is needed")
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        expect(container[probe]["httpGet"]["port"] in ports, f"{probe} names an unknown port")
    resources = container["resources"]
    expect(resources["requests"] == resources["limits"], "requests and limits differ (Guaranteed QoS wanted)")
    cpus = float(str(resources["limits"]["cpu"]).rstrip("m")) / (1000 if str(resources["limits"]["cpu"]).endswith("m") else 1)
    budget = int(env.get("SMSR_WORKERS", "1")) * int(env.get("SMSR_THREADS_PER_JOB", "1"))
    expect(budget <= cpus, f"SMSR_WORKERS x SMSR_THREADS_PER_JOB = {budget} exceeds the CPU limit {cpus}")

    # Shutdown: preStop pause + drain deadline must fit in the grace period.
    pause = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    drain = seconds(env.get("SMSR_DRAIN_TIMEOUT"), DRAIN_DEFAULT_S)
    grace = spec["terminationGracePeriodSeconds"]
    expect(grace > pause + drain, f"terminationGracePeriodSeconds {grace} <= preStop {pause} + drain {drain}")

    # Scraping annotations.
    annotations = pod["metadata"].get("annotations", {})
    expect(annotations.get("prometheus.io/port") == str(ports["http"]), "prometheus.io/port is not the http port")
    expect(annotations.get("prometheus.io/path") == "/metrics", "prometheus.io/path must be /metrics")

    service = base[("Service", "smsr-serve")]
    expect(matches(service["spec"]["selector"], labels), "Service selector misses the pods")
    service_ports = {p["name"]: p for p in service["spec"]["ports"]}
    expect(all(p["targetPort"] in ports for p in service_ports.values()), "Service targetPort is not a container port")

    pdb = base[("PodDisruptionBudget", "smsr-serve")]
    expect(matches(pdb["spec"]["selector"]["matchLabels"], labels), "PodDisruptionBudget selector misses the pods")
    policy = base[("NetworkPolicy", "smsr-serve")]
    expect(matches(policy["spec"]["podSelector"]["matchLabels"], labels), "NetworkPolicy selector misses the pods")
    allowed = [p["port"] for rule in policy["spec"]["ingress"] for p in rule.get("ports", [])]
    expect("http" in allowed or ports["http"] in allowed, "NetworkPolicy does not let the service port in")

    hpa = base[("HorizontalPodAutoscaler", "smsr-serve")]
    expect(hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"], "HPA targets another Deployment")
    expect(hpa["spec"]["minReplicas"] >= 2, "HPA minReplicas below 2 leaves the PDB nothing to keep")
    metrics = {m["type"]: m for m in hpa["spec"]["metrics"]}
    expect(metrics.get("Resource", {}).get("resource", {}).get("name") == "cpu", "HPA must scale on CPU")

    scaled = monitoring[("HorizontalPodAutoscaler", "smsr-serve")]
    names = [m["pods"]["metric"]["name"] for m in scaled["spec"]["metrics"] if m["type"] == "Pods"]
    expect(names == ["smsr_queue_depth"], "the monitoring overlay must add the smsr_queue_depth Pods metric")
    adapter = yaml.safe_load(read("Deploy/kubernetes/components/queue-depth-autoscaling/prometheus-adapter-values.yaml"))
    served = [r["name"]["as"] for r in adapter["rules"]["custom"]]
    expect("smsr_queue_depth" in served, "the adapter rules do not serve smsr_queue_depth")
    monitor = monitoring[("ServiceMonitor", "smsr-serve")]
    expect(matches(monitor["spec"]["selector"]["matchLabels"], service["metadata"]["labels"]),
           "ServiceMonitor selector misses the Service")
    expect(all(e["port"] in service_ports for e in monitor["spec"]["endpoints"]), "ServiceMonitor names an unknown port")
    return env


def check_compose():
    compose = yaml.safe_load(read("Deploy/compose/compose.yaml"))
    service = compose["services"]["smsr"]
    image = dockerfile_runtime()
    expect(service["healthcheck"]["test"] == ["CMD"] + image["HEALTHCHECK"], "compose healthcheck differs from the image's")
    targets = [str(p).split(":")[-1] for p in service["ports"]]
    expect(image["ENV"]["SMSR_PORT"] in targets, "compose does not publish the image's SMSR_PORT")
    drain = seconds(service.get("environment", {}).get("SMSR_DRAIN_TIMEOUT"), DRAIN_DEFAULT_S)
    expect(seconds(service.get("stop_grace_period"), 10) > drain, "compose stop_grace_period is not above the drain deadline")
    expect(service.get("read_only") is True and service.get("cap_drop") == ["ALL"], "compose must run read-only with no capabilities")
    prometheus = yaml.safe_load(read("Deploy/compose/prometheus.yml"))
    targets = [t for job in prometheus["scrape_configs"] for sc in job.get("static_configs", []) for t in sc["targets"]]
    expect(f"smsr:{image['ENV']['SMSR_PORT']}" in targets, "prometheus.yml does not scrape smsr at the image's port")
    return {k: str(v) for k, v in service.get("environment", {}).items()}


def systemd_settings():
    unit = read("Deploy/systemd/smsr-serve.service")
    settings = {}
    for line in unit.splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key, []).append(value)
    env = {}
    for value in settings.get("Environment", []):
        for pair in shlex.split(value):
            key, _, v = pair.partition("=")
            env[key] = v
    for line in read("Deploy/systemd/smsr-serve.env").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    expect(settings.get("ExecStart") == ["/usr/local/bin/smsr serve"], "ExecStart must be /usr/local/bin/smsr serve")
    for wanted in ("DynamicUser", "NoNewPrivileges"):
        expect(settings.get(wanted) == ["yes"], f"the unit must set {wanted}=yes")
    expect(settings.get("ProtectSystem") == ["strict"], "the unit must set ProtectSystem=strict")
    expect("MemoryMax" in settings, "the unit must set MemoryMax")
    drain = seconds(env.get("SMSR_DRAIN_TIMEOUT"), DRAIN_DEFAULT_S)
    expect(seconds(settings.get("TimeoutStopSec", ["90"])[0], 90) > drain, "TimeoutStopSec is not above the drain deadline")
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_binary(binary, name, env):
    """Starts `smsr serve` with `env` (host and port moved to loopback), waits for /readyz, reads
    /metrics, then SIGTERM: it must exit 0."""
    port = free_port()
    env = dict(env, SMSR_HOST="127.0.0.1", SMSR_PORT=str(port))
    env.pop("SMSR_METRICS_PORT", None)
    info = subprocess.run([binary, "info"], capture_output=True, text=True)
    if "(default)" not in info.stdout:  # no embedded model in this build: the official weights from shared/
        env["SMSR_MODEL"] = os.path.join(os.path.dirname(ROOT), "shared/models/smsr_x2_official.safetensors")
    full = {k: v for k, v in os.environ.items() if not k.startswith("SMSR_")}
    full.update(env)
    with tempfile.TemporaryDirectory() as folder, open(os.path.join(folder, "serve.log"), "w+") as log:
        process = subprocess.Popen([binary, "serve"], env=full, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            ready = False
            while time.monotonic() < deadline and process.poll() is None:
                probe = subprocess.run([binary, "healthcheck", "--quiet", "--url", f"http://127.0.0.1:{port}/readyz"],
                                       capture_output=True)
                if probe.returncode == 0:
                    ready = True
                    break
                time.sleep(0.2)
            if expect(ready, f"{name}: smsr serve did not get ready"):
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                metrics = opener.open(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
                for metric in ("smsr_queue_depth", "smsr_flops_executed_total"):
                    expect(re.search(rf"^{metric}[ {{]", metrics, re.M), f"{name}: /metrics lacks {metric}")
            process.send_signal(signal.SIGTERM)
            status = process.wait(timeout=60)
            expect(status == 0, f"{name}: exit status {status} after SIGTERM")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            log.seek(0)
            if any(name in p for p in problems):
                sys.stdout.write(f"--- {name} log ---\n{log.read()}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rendered", required=True)
    parser.add_argument("--binary")
    args = parser.parse_args()

    check_build_context()
    configurations = {
        "Dockerfile": dockerfile_runtime()["ENV"],
        "Kubernetes Deployment": check_kubernetes(args.rendered),
        "compose": dict(dockerfile_runtime()["ENV"], **check_compose()),
        "systemd unit and environment file": systemd_settings(),
    }
    if args.binary:
        help_text = subprocess.run([args.binary, "serve", "--help"], capture_output=True, text=True).stdout
        for name, env in configurations.items():
            for key in env:
                if key.startswith("SMSR_"):
                    flag = "--" + key[len("SMSR_"):].lower().replace("_", "-")
                    expect(re.search(rf"{re.escape(flag)}\b", help_text), f"{name}: {key} is not an option of smsr serve ({flag})")
        for name, env in configurations.items():
            run_binary(args.binary, name, env)

    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
