"""Jobs on a real cluster, started the way docs/scale-out.md says (`ray start --head`), reached through its
Ray Client port as the app is (`LAB_RAY_ADDRESS=ray://...`), with Ray 2.60's token authentication on.

`ray.init(address="local")` (tests/test_ray_backend.py) never asks for a token, so only a head of its
own shows whether the app connects to a cluster that does. Everything listens on 127.0.0.1 only, on
ports picked free here, in a temporary folder and HOME of its own (Ray keeps its token file under
HOME); the head's process group is ended when the module is done, whatever happened.

Skipped where ray is not installed (`bash scripts/setup.sh --dev` installs it).
"""
from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from lab.config import TokenizerConfig
from lab.serve.ray_backend import RayBackend, lost, unauthorized
from lab.serve.runner import Runner, build_runner
from lab.store import Store
from tests.test_jobs import steps, wait_for, wait_for_steps
from tests.test_ray_backend import KINDS

ROOT = Path(__file__).resolve().parents[1]
RAY = ROOT / ".venv" / "bin" / "ray"
START_S = 60  # a head on a busy 2-core machine takes 5-15 s
# `ray start --address=127.0.0.1:...` swaps 127.0.0.1 for the machine's outward address (services.
# resolve_ip_for_localhost), and the switch the head uses to stop that refuses to start a second node;
# this `ray` keeps a loopback address as given, so a second node stays on loopback too.
RAY_ON_LOOPBACK = ("import sys, ray._private.services as s; s.resolve_ip_for_localhost = lambda host: host; "
                   "from ray.scripts.scripts import main; sys.argv[0] = 'ray'; sys.exit(main())")


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class Node:
    """One `ray start --block` in a process group of its own, so that ending it ends all its processes
    and nobody else's (`ray stop` would stop every Ray instance on the machine)."""

    def __init__(self, args: list[str], env: dict, log: Path, ray: tuple = (str(RAY),)):
        self.log = log
        self.proc = subprocess.Popen([*ray, "start", "--block", "--disable-usage-stats", *args],
                                     env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def stop(self) -> None:
        for sig, wait_s in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):  # ray start --block takes its time over SIGTERM
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                continue
        try:  # what ray start leaves behind in its group (raylet, workers) goes too
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def cluster(request):
    """A head with token authentication on: {"address", "token", "dir", "env", "gcs"}."""
    pytest.importorskip("ray")
    if not RAY.exists():
        pytest.skip(f"no ray command at {RAY}")
    folder = Path(tempfile.mkdtemp(prefix="labray", dir="/tmp"))  # Ray's socket paths must stay short
    (folder / "home").mkdir()
    token = secrets.token_hex(16)
    gcs, client, dash, agent, agent_grpc, metrics, env_agent = free_ports(7)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "LAB_"))}
    env.update(HOME=str(folder / "home"), PYTHONPATH=str(ROOT), RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=token,
               RAY_USAGE_STATS_ENABLED="0")
    # Ray resolves 127.0.0.1 to the machine's outward address unless it thinks no cluster can span
    # machines; only the head needs that (a worker node takes its address from the head's).
    head = Node(["--head", "--node-ip-address=127.0.0.1", f"--port={gcs}", f"--ray-client-server-port={client}",
                 f"--dashboard-port={dash}", f"--dashboard-agent-listen-port={agent}",
                 f"--dashboard-agent-grpc-port={agent_grpc}", f"--metrics-export-port={metrics}",
                 f"--runtime-env-agent-port={env_agent}", "--num-cpus=2", "--include-dashboard=false",
                 f"--temp-dir={folder / 'ray'}", "--object-store-memory=100000000"],
                {**env, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}, folder / "head.log")
    nodes = [head]
    request.addfinalizer(lambda: ([n.stop() for n in reversed(nodes)], shutil.rmtree(folder, ignore_errors=True)))
    deadline = time.time() + START_S
    while not listening(client):
        if head.proc.poll() is not None or time.time() > deadline:
            pytest.fail("the head did not start: " + (folder / "head.log").read_text()[-3000:])
        time.sleep(0.5)
    yield {"address": f"ray://127.0.0.1:{client}", "token": token, "dir": folder, "env": env,
           "gcs": f"127.0.0.1:{gcs}", "nodes": nodes}


RAY_TOKEN_ENV = ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH", "RAY_AUTH_MODE", "RAY_ADDRESS", "HOME")


@pytest.fixture()
def app_env(cluster, monkeypatch, tmp_path):
    """The app's environment: its own HOME (no token file), none of Ray's token settings, the cluster's
    address. Afterwards Ray's settings are put back and its cached mode and token dropped: the app sets
    them in this process, and a later test's local Ray must not start with this cluster's token."""
    before = {key: os.environ.get(key) for key in RAY_TOKEN_ENV}
    for key in RAY_TOKEN_ENV:
        os.environ.pop(key, None)
    os.environ["HOME"] = str(tmp_path / "home")
    monkeypatch.delenv("LAB_RAY_TOKEN", raising=False)
    monkeypatch.setenv("LAB_RAY_ADDRESS", cluster["address"])
    monkeypatch.setenv("LAB_RAY_CPUS", "1")
    yield cluster
    for key, value in before.items():
        os.environ.pop(key, None) if value is None else os.environ.update({key: value})
    from ray._raylet import AuthenticationTokenLoader, Config

    Config.initialize("")
    AuthenticationTokenLoader.instance().reset_cache()


def run_one(vocab: int) -> tuple[dict, float]:
    runner = build_runner(Store())  # the app's own runner: LAB_RAY_ADDRESS alone chooses the backend
    assert isinstance(runner.backend, RayBackend)
    try:
        started = time.time()
        snap = wait_for(runner, runner.submit("ann", "tokenizer", TokenizerConfig(vocab_size=vocab)), timeout=120)
        return snap, time.time() - started
    finally:
        runner.shutdown()
        runner.backend.shutdown()  # the next test connects afresh, with its own token


def test_without_the_token_or_with_a_wrong_one_a_job_says_so_at_once(app_env, monkeypatch):
    address = app_env["address"]
    monkeypatch.delenv("LAB_RAY_TOKEN", raising=False)
    snap, took = run_one(150)
    assert snap["status"] == "failed" and snap["error"] == str(unauthorized(address, had_token=False))
    assert took < 10  # Ray Client alone retries for 30 s and then says only "timeout"
    monkeypatch.setenv("LAB_RAY_TOKEN", secrets.token_hex(16))
    snap, took = run_one(160)
    assert snap["status"] == "failed" and snap["error"] == str(unauthorized(address, had_token=True))
    assert took < 10 and "unreachable" not in snap["error"]


@pytest.mark.parametrize("how", ["LAB_RAY_TOKEN", "token file"])
def test_with_the_clusters_token_a_job_runs_on_it(app_env, monkeypatch, how):
    if how == "LAB_RAY_TOKEN":
        monkeypatch.setenv("LAB_RAY_TOKEN", app_env["token"])
    else:  # what `ray get-auth-token` on the head prints, copied to the app's ~/.ray/auth_token
        monkeypatch.delenv("LAB_RAY_TOKEN", raising=False)
        token = subprocess.run([str(RAY), "get-auth-token"], env=app_env["env"], capture_output=True,
                               text=True, timeout=60, check=True).stdout.strip()
        assert token == app_env["token"]
        (Path(os.environ["HOME"]) / ".ray").mkdir(parents=True)
        (Path(os.environ["HOME"]) / ".ray" / "auth_token").write_text(token)
    snap, _ = run_one(150)
    assert snap["status"] == "done", snap["error"]
    assert snap["result"]["vocab_size"] >= 150 and Path(snap["result"]["tokenizer_path"]).is_dir()


def test_a_job_whose_node_leaves_mid_job_fails_with_a_sentence_and_the_next_one_runs(app_env, monkeypatch):
    """A second node (`ray start --address`, as docs/scale-out.md starts one) is the only one with room for
    the job; it is stopped while the job trains. The job is never lost: it ends with a sentence and its
    events so far, and the next job runs on what is left."""
    cluster = app_env
    agent, agent_grpc, metrics, env_agent = free_ports(4)
    node = Node([f"--address={cluster['gcs']}", "--num-cpus=4", f"--dashboard-agent-listen-port={agent}",
                 f"--dashboard-agent-grpc-port={agent_grpc}", f"--metrics-export-port={metrics}",
                 f"--runtime-env-agent-port={env_agent}", "--object-store-memory=100000000"],
                cluster["env"], cluster["dir"] / "node.log",  # the cluster's token too: a node must present it
                ray=(str(RAY.parent / "python"), "-c", RAY_ON_LOOPBACK))
    cluster["nodes"].append(node)
    monkeypatch.setenv("LAB_RAY_TOKEN", cluster["token"])
    monkeypatch.setenv("LAB_RAY_CPUS", "3")  # more than the head's 2: only the new node fits the job
    backend = RayBackend(cluster["address"], grace_s=2.0)
    runner = Runner(KINDS, store=Store(), isolate=True, backend=backend, max_per_owner=5, cancel_grace_s=2.0)
    try:
        doomed = runner.submit("ann", "count", {"n": 10_000, "pause": 0.1})
        try:
            seen = wait_for_steps(runner, doomed, 3, timeout=60)
        except AssertionError:
            pytest.fail(f"the job did not start on the new node: {runner.snapshot(doomed)['status']}; its log:\n"
                        + node.log.read_text()[-3000:])
        started = time.time()
        node.stop()
        snap = wait_for(runner, doomed, timeout=90)
        print(f"ended {time.time() - started:.1f} s after its node was stopped: {snap['status']}: {snap['error']}")
        # Stopped whole, the node says it leaves (seen: the node sentence, a second after); a node whose
        # raylet dies before its worker would give the worker's sentence. Either way a sentence, not a hang.
        assert snap["status"] == "failed" and snap["error"] in (str(lost(node=True)), str(lost(node=False)))
        assert "Local node IP: 127.0.0.1" in node.log.read_text()  # it stayed on loopback
        assert [e["step"] for e in steps(snap)][:3] == [1, 2, 3] and len(steps(snap)) >= len(steps(seen))
        assert Store().get_run(doomed)["status"] == "failed"
        monkeypatch.setenv("LAB_RAY_CPUS", "1")
        nxt = wait_for(runner, runner.submit("bob", "count", {"n": 3}), timeout=60)
        assert nxt["status"] == "done" and nxt["result"]["steps"] == 3
    finally:
        runner.shutdown()
        backend.shutdown()
